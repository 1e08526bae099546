#include "protocol/protocol.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <vector>

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace bandwatch::protocol {

using nlohmann::json;

std::string encode_ingest_header(const IngestHeader& header) {
  json out = {{"v", kProtocolVersion}, {"as_of", header.as_of.iso()}, {"strict", header.strict}};
  if (header.close) out["close"] = true;  // only when set: the ids of other batches stay as they were
  return dump_json(out);
}

std::optional<IngestHeader> decode_ingest_header(std::string_view text, std::string& error) {
  if (text.size() > kMaxHeaderBytes) {
    error = "header frame of " + std::to_string(text.size()) + " bytes is over the limit of " +
            std::to_string(kMaxHeaderBytes);
    return std::nullopt;
  }
  // A key given twice would silently take its last value: refuse it, naming the key.
  std::vector<std::string> keys;
  std::string repeated;
  json::parser_callback_t note_keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && repeated.empty()) {
      std::string key = parsed.get<std::string>();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) repeated = key;
      keys.push_back(std::move(key));
    }
    return true;
  };
  json parsed = json::parse(text.begin(), text.end(), note_keys, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    error = "header frame is not a JSON object";
    return std::nullopt;
  }
  if (!repeated.empty()) {
    error = "header gives \"" + repeated + "\" twice";
    return std::nullopt;
  }
  for (const auto& [key, value] : parsed.items())
    if (key != "v" && key != "as_of" && key != "strict" && key != "close") {
      error = "header has an unknown key \"" + key + "\" (expected v, as_of, strict, close)";
      return std::nullopt;
    }
  if (auto version = parsed.find("v"); version != parsed.end() &&
                                       !(version->is_number_integer() && *version == kProtocolVersion)) {
    error = "unsupported protocol version " + version->dump() + " (this daemon speaks " +
            std::to_string(kProtocolVersion) + ")";
    return std::nullopt;
  }
  IngestHeader header;
  auto as_of = parsed.find("as_of");
  if (as_of == parsed.end()) {
    error = "header has no \"as_of\" date";
    return std::nullopt;
  }
  std::string why = "it is not a string";
  std::optional<Date> date = as_of->is_string() ? parse_date(as_of->get_ref<const std::string&>(), &why) : std::nullopt;
  if (!date) {
    error = "header \"as_of\" is not a date: " + why;
    return std::nullopt;
  }
  header.as_of = *date;
  if (auto strict = parsed.find("strict"); strict != parsed.end()) {
    if (!strict->is_boolean()) {
      error = "header \"strict\" must be true or false";
      return std::nullopt;
    }
    header.strict = strict->get<bool>();
  }
  if (auto close = parsed.find("close"); close != parsed.end()) {
    if (!close->is_boolean()) {
      error = "header \"close\" must be true or false";
      return std::nullopt;
    }
    header.close = close->get<bool>();
  }
  return header;
}

bool valid_batch_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxBatchIdBytes) return false;
  for (char c : id)
    if (c <= ' ' || c > '~') return false;
  return true;
}

std::string content_batch_id(const IngestHeader& header, std::string_view body) {
  // SHA-256: a batch id must not collide for different contents, or the daemon would answer `ok`
  // to new data and drop it as a repeat. OpenSSL's, because it uses the CPU's SHA instructions
  // where there are any: the daemon hashes every batch it takes on its serving thread, and
  // libsodium's portable code was a third of the time a batch took there (286 MB/s against
  // 1,371 MB/s on the benchmark machine).
  std::string encoded = encode_ingest_header(header);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char separator = 0;
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), encoded.data(), encoded.size()) != 1 ||
      EVP_DigestUpdate(context.get(), &separator, 1) != 1 ||
      EVP_DigestUpdate(context.get(), body.data(), body.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1 || length != 32)
    throw std::runtime_error("SHA-256 failed in OpenSSL's libcrypto");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    id.push_back(kHex[digest[i] >> 4]);
    id.push_back(kHex[digest[i] & 15]);
  }
  return id;
}

json to_json(const IngestReply& reply) {
  auto lines = [](const std::vector<LineError>& errors) {
    json out = json::array();
    for (const LineError& error : errors)
      out.push_back({{"line", error.line}, {"column", error.column}, {"message", error.message}});
    return out;
  };
  json out = {{"batch", reply.batch_id},
              {"status", reply.ok ? "ok" : "error"},
              {"duplicate", reply.duplicate},
              {"accepted", reply.accepted},
              {"rejected", lines(reply.rejected)}};
  if (!reply.warnings.empty()) out["warnings"] = lines(reply.warnings);
  if (!reply.unreported.empty()) out["unreported"] = reply.unreported;
  if (!reply.closed.empty()) out["closed"] = reply.closed;
  if (!reply.notes.empty()) out["notes"] = reply.notes;
  if (reply.open) out["open"] = reply.open->iso();
  if (!reply.error.empty()) out["error"] = reply.error;
  return out;
}

std::string encode_ingest_reply(const IngestReply& reply) { return dump_json(to_json(reply)); }

std::optional<IngestReply> decode_ingest_reply(std::string_view text, std::string& error) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, false);
  if (!parsed.is_object() || !parsed.contains("status")) {
    error = "reply is not an ingest answer: " + std::string(text.substr(0, 200));
    return std::nullopt;
  }
  IngestReply reply;
  reply.batch_id = parsed.value("batch", "");
  reply.ok = parsed.value("status", "") == "ok";
  reply.duplicate = parsed.value("duplicate", false);
  reply.accepted = parsed.value("accepted", std::size_t{0});
  reply.error = parsed.value("error", "");
  auto lines = [&](const char* key, std::vector<LineError>& into) {
    if (auto found = parsed.find(key); found != parsed.end() && found->is_array())
      for (const json& item : *found)
        if (item.is_object())
          into.push_back({item.value("line", std::size_t{0}), item.value("column", std::size_t{0}),
                          item.value("message", "")});
  };
  lines("rejected", reply.rejected);
  lines("warnings", reply.warnings);
  if (auto unreported = parsed.find("unreported"); unreported != parsed.end() && unreported->is_object())
    for (const auto& [reason, count] : unreported->items())
      if (count.is_number_unsigned()) reply.unreported[reason] = count.get<std::size_t>();
  if (auto closed = parsed.find("closed"); closed != parsed.end() && closed->is_array())
    for (const json& date : *closed)
      if (date.is_string()) reply.closed.push_back(date.get<std::string>());
  if (auto open = parsed.find("open"); open != parsed.end()) reply.open = json_date(*open);
  if (auto notes = parsed.find("notes"); notes != parsed.end() && notes->is_array())
    for (const json& note : *notes)
      if (note.is_string()) reply.notes.push_back(note.get<std::string>());
  return reply;
}

json to_json(const Acknowledgement& ack) {
  return {{"by", ack.by},
          {"note", ack.note},
          {"review", ack.review ? json(ack.review->iso()) : json(nullptr)},
          {"at", ack.at}};
}

std::optional<Acknowledgement> acknowledgement_from_json(const json& value) {
  if (!value.is_object()) return std::nullopt;
  Acknowledgement ack;
  ack.by = value.value("by", "");
  ack.note = value.value("note", "");
  ack.at = value.value("at", "");
  if (auto review = value.find("review"); review != value.end()) ack.review = json_date(*review);
  return ack;
}

const std::vector<std::string>& feed_routes(const std::vector<std::string>& routes) {
  static const std::vector<std::string> kUnrouted{std::string(kUnroutedRoute)};
  return routes.empty() ? kUnrouted : routes;
}

std::string_view topic_severity(const engine::Event& event) {
  if (event.kind == engine::EventKind::unbanded) return "unbanded";
  return ast::to_string(event.severity);
}

void append_topic(std::string& out, std::string_view route, std::string_view severity, std::string_view rule) {
  out.append(route).append(".").append(severity).append(".").append(rule);
}

bool is_topic(std::string_view topic, std::string_view route, std::string_view severity, std::string_view rule) {
  if (topic.size() != route.size() + severity.size() + rule.size() + 2) return false;
  std::size_t second_dot = route.size() + 1 + severity.size();
  return topic.substr(0, route.size()) == route && topic[route.size()] == '.' &&
         topic.substr(route.size() + 1, severity.size()) == severity && topic[second_dot] == '.' &&
         topic.substr(second_dot + 1) == rule;
}

std::optional<FeedMessage> split_feed_message(std::string_view frame) {
  std::size_t space = frame.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return FeedMessage{frame.substr(0, space), frame.substr(space + 1)};
}

std::string feed_message(std::string_view topic, std::string_view payload) {
  std::string message;
  message.reserve(topic.size() + 1 + payload.size());
  message.append(topic).append(" ").append(payload);
  return message;
}

std::optional<int> severity_rank(std::string_view severity) {
  if (severity == "unbanded") return 0;
  if (severity == "amber") return 1;
  if (severity == "red") return 2;
  return std::nullopt;
}

json labels_json(const engine::Labels& labels) {
  json out = json::object();
  for (const engine::Label& label : labels) out[label.name] = label.value;
  return out;
}

json json_number(double value) {
  // JSON has no NaN or infinity; an event value is always finite, but never emit invalid JSON.
  if (!std::isfinite(value)) return nullptr;
  double whole;
  if (std::modf(value, &whole) == 0.0 && std::fabs(value) < 9.0e15)
    return static_cast<std::int64_t>(value);
  return value;
}

namespace {

// ASCII that JSON takes as it is: the common case.
constexpr auto kPlainJson = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  std::size_t length = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  unsigned char next = byte(i + 1);
  if (c == 0xe0 && next < 0xa0) return 0;   // overlong
  if (c == 0xed && next > 0x9f) return 0;   // surrogates
  if (c == 0xf0 && next < 0x90) return 0;   // overlong
  if (c == 0xf4 && next > 0x8f) return 0;   // beyond U+10FFFF
  return length;
}

/// Writes `value` when it is a decimal with at most six places between 0.001 and 1e9 (figures
/// from extracts mostly are), as std::to_chars would: the shortest text that reads back as the
/// same double, in fixed notation. to_chars' general search costs several times more.
bool few_decimals_text(double value, char*& at) {
  double magnitude = std::fabs(value);
  if (!(magnitude >= 0.001 && magnitude < 1e9)) return false;
  static constexpr double kScale[] = {10, 100, 1000, 10000, 100000, 1000000};
  for (int places = 1; places <= 6; ++places) {
    double scale = kScale[places - 1];
    double scaled = std::round(magnitude * scale);
    // n / 10^k is correctly rounded, as reading the text "n/10^k" is: equal means that text
    // reads back as this value, and no shorter one can (decimals this coarse are far apart).
    if (scaled / scale != magnitude) continue;
    auto units = static_cast<std::uint64_t>(scaled);
    auto divisor = static_cast<std::uint64_t>(scale);
    std::uint64_t whole = units / divisor, fraction = units % divisor;
    if (value < 0) *at++ = '-';
    at = std::to_chars(at, at + 12, whole).ptr;
    *at++ = '.';
    char digits[6];
    for (int i = places - 1; i >= 0; --i) {
      digits[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    std::memcpy(at, digits, static_cast<std::size_t>(places));
    at += places;
    return true;
  }
  return false;
}

/// Writes into room reserved for the longest text the pieces can make, so no piece checks for
/// capacity: an event's members are dozens of pieces, written for every event of every batch.
/// The room is a buffer kept by the thread (grown, never zeroed again) and the text is appended
/// to `out` at the end. One JsonWriter at a time per thread: they do not nest.
class JsonWriter {
 public:
  JsonWriter(std::string& out, std::size_t most) : out_(out) {
    thread_local std::vector<char> room;
    if (room.size() < most) room.resize(std::max(most, 2 * room.size()));
    start_ = at_ = room.data();
  }
  ~JsonWriter() { out_.append(start_, static_cast<std::size_t>(at_ - start_)); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  /// Room a string takes at most: every byte escaped as \u00XX or replaced by U+FFFD, quoted.
  static std::size_t most(std::string_view text) { return 6 * text.size() + 2; }

  template <std::size_t N>
  void raw(const char (&text)[N]) {
    std::memcpy(at_, text, N - 1);
    at_ += N - 1;
  }
  void raw(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void string(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    *at_++ = '"';
    for (std::size_t i = 0; i < text.size();) {
      if (i + 8 <= text.size() && plain8(text.data() + i)) {  // eight plain bytes at once
        std::memcpy(at_, text.data() + i, 8);
        at_ += 8;
        i += 8;
        continue;
      }
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (kPlainJson[c]) {
        *at_++ = static_cast<char>(c);
        ++i;
      } else if (c >= 0x80) {
        std::size_t length = utf8_length(text, i);
        if (length > 0) {
          std::memcpy(at_, text.data() + i, length);
          at_ += length;
          i += length;
        } else {
          raw("\xef\xbf\xbd");
          ++i;
        }
      } else {
        ++i;
        *at_++ = '\\';
        switch (c) {
          case '"': *at_++ = '"'; break;
          case '\\': *at_++ = '\\'; break;
          case '\n': *at_++ = 'n'; break;
          case '\r': *at_++ = 'r'; break;
          case '\t': *at_++ = 't'; break;
          case '\b': *at_++ = 'b'; break;
          case '\f': *at_++ = 'f'; break;
          default:
            raw("u00");
            *at_++ = kHex[c >> 4];
            *at_++ = kHex[c & 15];
        }
      }
    }
    *at_++ = '"';
  }
  static constexpr std::size_t kMostNumber = 32;
  void number(double value) {
    if (!std::isfinite(value)) return raw("null");
    double whole;
    if (std::modf(value, &whole) == 0.0 && std::fabs(value) < 9.0e15) {
      at_ = std::to_chars(at_, at_ + kMostNumber, static_cast<std::int64_t>(value)).ptr;
    } else if (!few_decimals_text(value, at_)) {
      at_ = std::to_chars(at_, at_ + kMostNumber, value).ptr;
    }
  }
  /// A name known to need no escaping (an enum's fixed text), quoted.
  void plain_string(std::string_view text) {
    assert(std::all_of(text.begin(), text.end(), [](char c) { return kPlainJson[static_cast<unsigned char>(c)]; }));
    *at_++ = '"';
    raw(text);
    *at_++ = '"';
  }
  void unsigned_number(std::uint64_t value) { at_ = std::to_chars(at_, at_ + kMostNumber, value).ptr; }
  void date(Date date) {  // as a JSON string
    // The events of a batch share an as-of date, and most share their "since": the text of the
    // last two dates is kept (Date::iso was 3% of the writer thread).
    thread_local Date recent[2] = {Date{}, Date{}};
    thread_local std::string recent_text[2] = {Date{}.iso(), Date{}.iso()};
    thread_local int replace = 0;  // the older of the two
    int slot = recent[0] == date ? 0 : recent[1] == date ? 1 : -1;
    if (slot < 0) {
      slot = replace;
      replace ^= 1;
      recent[slot] = date;
      recent_text[slot] = date.iso();
    }
    *at_++ = '"';
    raw(recent_text[slot]);
    *at_++ = '"';
  }
  static constexpr std::size_t kMostDate = 24;

 private:
  /// No byte of the eight needs escaping: all ASCII, none below 0x20, no '"' or '\\'.
  static bool plain8(const char* bytes) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    std::uint64_t w;
    std::memcpy(&w, bytes, 8);
    auto has_zero = [&](std::uint64_t v) { return ((v - kOnes) & ~v & kHigh) != 0; };
    if (w & kHigh) return false;
    if (((w - 0x20 * kOnes) & ~w & kHigh) != 0) return false;  // a byte below 0x20
    return !has_zero(w ^ ('"' * kOnes)) && !has_zero(w ^ ('\\' * kOnes));
  }

  std::string& out_;
  char* start_;
  char* at_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Sample lines are bytes; JSON is UTF-8: a byte that is not valid UTF-8 becomes U+FFFD, as
  // nlohmann's error_handler_t::replace does, so no input can make the daemon write bad JSON.
  JsonWriter json(out, JsonWriter::most(text));
  json.string(text);
}

std::string dump_json(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void append_json_number(std::string& out, double value) {
  JsonWriter json(out, JsonWriter::kMostNumber);
  json.number(value);
}

void append_json_integer(std::string& out, std::uint64_t value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void append_json_integer(std::string& out, std::int64_t value) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

namespace {

void append_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out += "\":";
}

}  // namespace

void append_event_json_fields(std::string& out, const engine::Event& event, std::optional<std::uint64_t> sequence,
                              std::string_view kind, const Acknowledgement* ack) {
  // nlohmann's object keeps keys sorted; so does this, so both texts are the same.
  if (ack) {
    append_key(out, "acknowledgement");
    out += dump_json(to_json(*ack));
    out.push_back(',');
  }
  std::string_view severity = topic_severity(event);
  std::string_view source = engine::to_string(event.source), unit = ast::to_string(event.unit);
  std::size_t most = 256 + 3 * JsonWriter::kMostNumber + 2 * JsonWriter::kMostDate +
                     JsonWriter::most(event.formatted_value) + JsonWriter::most(kind) +
                     JsonWriter::most(event.message) + JsonWriter::most(event.rule) +
                     JsonWriter::most(severity) + JsonWriter::most(source) + JsonWriter::most(unit);
  for (const engine::Label& label : event.labels) most += JsonWriter::most(label.name) + JsonWriter::most(label.value) + 2;
  for (const std::string& route : event.routes) most += JsonWriter::most(route) + 1;
  JsonWriter json(out, most);
  json.raw("\"alert_id\":");
  json.unsigned_number(event.alert_id);
  json.raw(",\"as_of\":");
  json.date(event.as_of);
  json.raw(",\"formatted_value\":");
  json.string(event.formatted_value);
  json.raw(",\"kind\":");
  json.plain_string(kind);
  json.raw(",\"labels\":{");
  // Labels are sorted by name (engine contract), as a JSON object's keys are.
  for (std::size_t i = 0; i < event.labels.size(); ++i) {
    if (i) json.raw(",");
    json.string(event.labels[i].name);
    json.raw(":");
    json.string(event.labels[i].value);
  }
  json.raw("},\"message\":");
  json.string(event.message);
  json.raw(",\"routes\":[");
  for (std::size_t i = 0; i < event.routes.size(); ++i) {
    if (i) json.raw(",");
    json.string(event.routes[i]);
  }
  json.raw("],\"rule\":");
  json.string(event.rule);
  json.raw(",\"sequence\":");
  if (sequence) json.unsigned_number(*sequence);
  else json.raw("null");
  json.raw(",\"severity\":");
  json.plain_string(severity);
  json.raw(",\"since\":");
  json.date(event.since);
  json.raw(",\"source\":");
  json.plain_string(source);
  json.raw(",\"unit\":");
  json.plain_string(unit);
  json.raw(",\"value\":");
  json.number(event.value);
}

void append_event_json(std::string& out, const engine::Event& event, std::optional<std::uint64_t> sequence) {
  out.push_back('{');
  append_event_json_fields(out, event, sequence, engine::to_string(event.kind));
  out.push_back('}');
}

json alert_json(const engine::Alert& alert, const Acknowledgement* ack, bool detail, const json& silenced) {
  json item = {{"id", alert.id},
               {"rule", alert.rule},
               {"labels", labels_json(alert.labels)},
               {"severity", ast::to_string(alert.severity)},
               {"since", alert.since.iso()},
               {"value", json_number(alert.value)},
               {"acknowledgement", ack ? to_json(*ack) : json(nullptr)}};
  if (detail) {
    item["message"] = alert.message;
    item["formatted_value"] = alert.formatted_value;
    item["unit"] = ast::to_string(alert.unit);
    item["routes"] = alert.routes;
    item["source"] = engine::to_string(alert.source);
    item["silenced"] = silenced;
  }
  return item;
}

std::optional<Date> json_date(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return parse_date(value.get_ref<const std::string&>());
}

std::string utc_now_iso() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace bandwatch::protocol
