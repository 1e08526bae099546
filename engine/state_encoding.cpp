// encode_state / decode_state: a versioned, line-oriented text form of EngineState. Strings are
// length-prefixed (`5:Hello`) so team names with spaces, quotes or newlines survive unchanged;
// numbers are printed as the shortest text that reads back bit for bit.
#include <algorithm>
#include <charconv>

#include "engine/engine.hpp"

namespace bandwatch::engine {
namespace {

// Version 2 (returns): alerts carry the data dates and return counts that decide them, bands
// their last values. Version 1 still reads.
constexpr std::string_view kMagic = "bandwatch-state 2";
constexpr std::string_view kMagicVersion1 = "bandwatch-state 1";

void put_str(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += ' ';
}
void put_int(std::string& out, std::int64_t v) {
  out += std::to_string(v);
  out += ' ';
}
void put_double(std::string& out, double v) {
  // Shortest text that reads back as the same double (Reader::number uses from_chars).
  char buffer[40];
  auto written = std::to_chars(buffer, buffer + sizeof buffer, v);
  out.append(buffer, written.ptr);
  out += ' ';
}
void put_date(std::string& out, Date d) { put_int(out, d.days_since_epoch); }
void put_labels(std::string& out, const Labels& labels) {
  put_int(out, static_cast<std::int64_t>(labels.size()));
  for (const Label& l : labels) {
    put_str(out, l.name);
    put_str(out, l.value);
  }
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool ok() const { return ok_; }
  bool at_end() {
    skip();
    return at_ >= text_.size();
  }
  std::string_view word() {
    skip();
    std::size_t start = at_;
    while (at_ < text_.size() && text_[at_] != ' ' && text_[at_] != '\n') ++at_;
    if (start == at_) ok_ = false;
    return text_.substr(start, at_ - start);
  }
  std::int64_t integer() {
    std::string_view w = word();
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) ok_ = false;
    return v;
  }
  double number() {
    std::string_view w = word();
    double v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) ok_ = false;
    return v;
  }
  Date date() { return Date{static_cast<std::int32_t>(integer())}; }
  std::string str() {
    skip();
    std::size_t colon = text_.find(':', at_);
    if (colon == std::string_view::npos) {
      ok_ = false;
      return {};
    }
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(text_.data() + at_, text_.data() + colon, n);
    if (ec != std::errc{} || p != text_.data() + colon || colon + 1 + n > text_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(text_.substr(colon + 1, n));
    at_ = colon + 1 + n;
    return s;
  }
  Labels labels() {
    Labels out;
    std::int64_t n = integer();
    for (std::int64_t i = 0; i < n && ok_; ++i) {
      Label l;
      l.name = str();
      l.value = str();
      out.push_back(std::move(l));
    }
    return out;
  }
  std::optional<Date> optional_date() {
    skip();
    if (at_ < text_.size() && text_[at_] == '-' && (at_ + 1 == text_.size() || text_[at_ + 1] == ' ' || text_[at_ + 1] == '\n')) {
      ++at_;
      return std::nullopt;
    }
    return date();
  }
  void fail() { ok_ = false; }

 private:
  void skip() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n')) ++at_;
  }
  std::string_view text_;
  std::size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::string encode_state(const EngineState& state) {
  std::string out(kMagic);
  out += '\n';
  out += "next_alert_id ";
  put_int(out, static_cast<std::int64_t>(state.next_alert_id));
  out += "\nevaluation_index ";
  put_int(out, state.evaluation_index);
  out += "\nfirst_as_of ";
  if (state.first_as_of) put_date(out, *state.first_as_of);
  else out += "- ";
  out += "\nlast_as_of ";
  if (state.last_as_of) put_date(out, *state.last_as_of);
  else out += "- ";
  out += '\n';
  for (const SeriesRecord& s : state.series) {
    out += "series ";
    put_str(out, s.metric);
    put_labels(out, s.labels);
    put_int(out, static_cast<std::int64_t>(s.history.size()));
    for (const auto& [date, value] : s.history) {
      put_date(out, date);
      put_double(out, value);
    }
    out += '\n';
  }
  for (const AlertRecord& r : state.alerts) {
    const Alert& a = r.alert;
    out += "alert ";
    put_int(out, static_cast<std::int64_t>(a.id));
    put_int(out, static_cast<std::int64_t>(a.source));
    put_str(out, a.rule);
    put_labels(out, a.labels);
    put_int(out, static_cast<std::int64_t>(a.state));
    put_int(out, static_cast<std::int64_t>(a.severity));
    put_double(out, a.value);
    put_date(out, a.since);
    put_date(out, a.fired_on);
    put_date(out, a.changed_on);
    put_date(out, a.last_seen);
    put_int(out, r.streak);
    put_int(out, r.returns_since_fired);
    put_int(out, static_cast<std::int64_t>(r.escalations_done));
    put_date(out, r.decided);
    put_date(out, r.fired_data);
    put_int(out, static_cast<std::int64_t>(a.routes.size()));
    for (const std::string& route : a.routes) put_str(out, route);
    out += '\n';
  }
  for (const BandRecord& b : state.bands) {
    out += "band ";
    put_str(out, b.indicator);
    put_labels(out, b.labels);
    put_int(out, static_cast<std::int64_t>(b.band));
    put_int(out, b.has_value ? 1 : 0);
    put_double(out, b.value);
    put_double(out, b.raw_value);
    put_int(out, static_cast<std::int64_t>(b.trend));
    put_date(out, b.date);
    put_int(out, b.band_set ? static_cast<std::int64_t>(*b.band_set) : -1);
    out += '\n';
  }
  return out;
}

std::optional<EngineState> decode_state(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<EngineState> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  bool version1 = text.starts_with(kMagicVersion1);
  if (!version1 && !text.starts_with(kMagic)) return fail("not a bandwatch engine state (version 1 or 2)");
  Reader in(text.substr(kMagic.size()));
  EngineState state;
  while (!in.at_end()) {
    std::string_view tag = in.word();
    if (tag == "next_alert_id") {
      state.next_alert_id = static_cast<AlertId>(in.integer());
    } else if (tag == "evaluation_index") {
      state.evaluation_index = in.integer();
    } else if (tag == "first_as_of") {
      state.first_as_of = in.optional_date();
    } else if (tag == "last_as_of") {
      state.last_as_of = in.optional_date();
    } else if (tag == "series") {
      SeriesRecord s;
      s.metric = in.str();
      s.labels = in.labels();
      std::int64_t n = in.integer();
      for (std::int64_t i = 0; i < n && in.ok(); ++i) {
        Date d = in.date();
        double v = in.number();
        s.history.emplace_back(d, v);
      }
      state.series.push_back(std::move(s));
    } else if (tag == "alert") {
      AlertRecord r;
      Alert& a = r.alert;
      a.id = static_cast<AlertId>(in.integer());
      std::int64_t source = in.integer();
      if (source < 0 || source > 2) in.fail();
      a.source = static_cast<AlertSource>(source);
      a.rule = in.str();
      a.labels = in.labels();
      std::int64_t st = in.integer();
      if (st < 0 || st > 1) in.fail();
      a.state = static_cast<AlertState>(st);
      std::int64_t severity = in.integer();
      if (severity < 0 || severity > 2) in.fail();
      a.severity = static_cast<ast::Colour>(severity);
      a.value = in.number();
      a.since = in.date();
      a.fired_on = in.date();
      a.changed_on = in.date();
      a.last_seen = in.date();
      r.streak = in.integer();
      if (version1) {
        // Periods were evaluations then: the evaluations since it fired stand in for returns.
        in.integer();  // the evaluation it opened at
        std::int64_t fired_evaluation = in.integer();
        std::int64_t applied = std::clamp<std::int64_t>(in.integer(), 0, 31);
        r.returns_since_fired = std::max<std::int64_t>(0, state.evaluation_index - fired_evaluation);
        r.escalations_done = (std::uint32_t{1} << applied) - 1;
        r.decided = a.last_seen;
        r.fired_data = a.fired_on;
      } else {
        r.returns_since_fired = in.integer();
        r.escalations_done = static_cast<std::uint32_t>(in.integer());
        r.decided = in.date();
        r.fired_data = in.date();
      }
      std::int64_t routes = in.integer();
      for (std::int64_t i = 0; i < routes && in.ok(); ++i) a.routes.push_back(in.str());
      state.alerts.push_back(std::move(r));
    } else if (tag == "band") {
      BandRecord b;
      b.indicator = in.str();
      b.labels = in.labels();
      std::int64_t band = in.integer();
      if (band < 0 || band > 4) in.fail();
      b.band = static_cast<Band>(band);
      if (!version1) {
        b.has_value = in.integer() != 0;
        b.value = in.number();
        b.raw_value = in.number();
        std::int64_t trend = in.integer();
        if (trend < 0 || trend > 3) in.fail();
        b.trend = static_cast<Trend>(trend);
        b.date = in.date();
        std::int64_t set = in.integer();
        if (set >= 0) b.band_set = static_cast<std::size_t>(set);
      }
      state.bands.push_back(std::move(b));
    } else {
      return fail("unknown record '" + std::string(tag) + "'");
    }
    if (!in.ok()) return fail("malformed '" + std::string(tag) + "' record");
  }
  return state;
}

}  // namespace bandwatch::engine
