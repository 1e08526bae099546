// Names of the engine's enumerations and the unit-aware number formatting of reports and
// messages (22, 96.6%, £7.711m).
#include <cmath>
#include <cstdio>

#include "program.hpp"

namespace bandwatch::engine {

std::string_view to_string(IngestStatus status) {
  switch (status) {
    case IngestStatus::ok: return "ok";
    case IngestStatus::replaced: return "replaces a different figure sent earlier for the same date";
    case IngestStatus::looks_like_fraction: return "a percentage that looks like a fraction";
    case IngestStatus::looks_like_percent: return "a fraction metric's figure that looks like a percentage";
    case IngestStatus::unknown_metric: return "unknown metric";
    case IngestStatus::unknown_label: return "label not declared for this metric";
    case IngestStatus::missing_label: return "a declared label is missing";
    case IngestStatus::duplicate_label: return "label given twice";
    case IngestStatus::duplicate_sample: return "the same series and date twice in one batch";
    case IngestStatus::date_decided: return "dated on or before a return already decided";
    case IngestStatus::not_a_number: return "value is not a finite number";
    case IngestStatus::no_program: return "no rules loaded";
  }
  return "?";
}

std::string_view to_string(Band band) {
  switch (band) {
    case Band::green: return "green";
    case Band::amber: return "amber";
    case Band::red: return "red";
    case Band::unbanded: return "unbanded";
    case Band::small_cohort: return "small_cohort";
  }
  return "?";
}

std::string_view to_string(Trend trend) {
  switch (trend) {
    case Trend::none: return "none";
    case Trend::improving: return "improving";
    case Trend::declining: return "declining";
    case Trend::unchanged: return "unchanged";
  }
  return "?";
}

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::pending: return "pending";
    case EventKind::fired: return "fired";
    case EventKind::escalated: return "escalated";
    case EventKind::de_escalated: return "de-escalated";
    case EventKind::resolved: return "resolved";
    case EventKind::unbanded: return "unbanded";
    case EventKind::stale: return "stale";
  }
  return "?";
}

std::string_view to_string(AlertSource source) {
  switch (source) {
    case AlertSource::rule: return "rule";
    case AlertSource::indicator: return "indicator";
    case AlertSource::stale: return "stale";
  }
  return "?";
}

namespace detail {

std::string format_number(double value, int max_decimals) { return format_number(value, max_decimals, false); }

std::string format_number(double value, int max_decimals, bool keep_zeros) {
  std::string text;
  append_number(text, value, max_decimals, keep_zeros);
  return text;
}

void append_number(std::string& out, double value, int max_decimals, bool keep_zeros) {
  // Integer arithmetic for the common case (fast: reports and every event format values);
  // snprintf for magnitudes where that would overflow.
  static constexpr double kScale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  if (max_decimals >= 0 && max_decimals <= 6 && std::fabs(value) < 1e12) {
    double scaled = std::round(std::fabs(value) * kScale[max_decimals]);
    auto units = static_cast<std::uint64_t>(scaled);
    auto scale = static_cast<std::uint64_t>(kScale[max_decimals]);
    std::uint64_t whole = units / scale, fraction = units % scale;
    char buffer[40];
    char* end = buffer + sizeof buffer;
    char* p = end;
    int decimals = max_decimals;
    while (!keep_zeros && decimals > 0 && fraction % 10 == 0) {  // drop trailing zeros
      fraction /= 10;
      --decimals;
    }
    for (int i = 0; i < decimals; ++i) {
      *--p = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    if (decimals > 0) *--p = '.';
    do {
      *--p = static_cast<char>('0' + whole % 10);
      whole /= 10;
    } while (whole);
    if (value < 0 && units != 0) *--p = '-';
    out.append(p, static_cast<std::size_t>(end - p));
    return;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", max_decimals, value);
  std::string_view text = buffer;
  if (!keep_zeros && text.find('.') != std::string_view::npos) {
    while (text.back() == '0') text.remove_suffix(1);
    if (text.back() == '.') text.remove_suffix(1);
  }
  out += text == "-0" ? std::string_view("0") : text;
}

double round_decimal(double value, int decimals) {
  if (!std::isfinite(value)) return value;
  // Looked up, not std::pow: every indicator series is rounded several times per evaluation.
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  double scale = decimals >= 0 && decimals < 16 ? kPowersOfTen[decimals] : std::pow(10.0, decimals);
  double scaled = value * scale;
  // Nudge by a relative hair so values written in decimal (2.675) round as written, not as
  // their binary approximation (2.67499999...).
  scaled += std::copysign(std::max(1.0, std::fabs(scaled)) * 1e-11, scaled);
  return std::round(scaled) / scale;
}

}  // namespace detail

namespace {

/// How a unit prints a magnitude: the figure is value / divisor, between prefix and suffix, with
/// `places` decimal places at most by default.
struct Scale {
  double divisor = 1;
  const char* prefix = "";
  const char* suffix = "";
  int places = 3;
};

Scale scale_of(double value, ast::Unit unit) {
  switch (unit) {
    case ast::Unit::percent: return {1, "", "%", 1};
    case ast::Unit::gbp: {
      double magnitude = std::fabs(value);
      if (magnitude >= 1e9) return {1e9, "£", "bn", 3};
      if (magnitude >= 1e6) return {1e6, "£", "m", 3};
      if (magnitude >= 1e3) return {1e3, "£", "k", 1};
      return {1, "£", "", 2};
    }
    case ast::Unit::days: return {1, "", " days", 1};
    case ast::Unit::count: return {1, "", "", 2};
    case ast::Unit::rate_per_10k:
    case ast::Unit::fte: return {1, "", "", 1};
    case ast::Unit::number:
    case ast::Unit::none: return {1, "", "", 3};
  }
  return {};
}

}  // namespace

namespace detail {

int usual_places(double value, ast::Unit unit) { return scale_of(value, unit).places; }

double shown_number(double value, ast::Unit unit, int places) {
  if (!std::isfinite(value)) return value;
  Scale scale = scale_of(value, unit);
  if (places < 0) places = scale.places;
  return round_decimal(value / scale.divisor, places) * scale.divisor;
}

}  // namespace detail

std::string format_value(double value, ast::Unit unit) { return format_value(value, unit, -1, false); }

std::string format_value(double value, ast::Unit unit, int places, bool keep_zeros) {
  std::string text;
  append_value(text, value, unit, places, keep_zeros);
  return text;
}

void append_value(std::string& out, double value, ast::Unit unit, int places, bool keep_zeros) {
  using detail::append_number;
  if (std::isnan(value)) {
    out += "n/a";
    return;
  }
  Scale scale = scale_of(value, unit);
  if (places < 0) places = scale.places;
  if (unit == ast::Unit::gbp) {
    if (value < 0) out += '-';
    out += scale.prefix;
    append_number(out, std::fabs(value) / scale.divisor, places, keep_zeros);
    out += scale.suffix;
    return;
  }
  out += scale.prefix;
  std::size_t number_at = out.size();
  append_number(out, value / scale.divisor, places, keep_zeros);
  if (unit == ast::Unit::days && std::string_view(out).substr(number_at) == "1") {
    out += " day";
    return;
  }
  out += scale.suffix;
}

}  // namespace bandwatch::engine
