// The sample line format shared by `bandwatch eval`, `bandwatch send` and the daemon:
//
//     metric{label="value",...} value [YYYY-MM-DD]
//
// as in the Prometheus text format: `{...}` optional, label values double-quoted with `\"`, `\\`
// and `\n` escapes, a trailing comma allowed. The value is a decimal number (`22`, `-1.5`, `1e3`),
// optionally written as a percentage (`96.6%`: the value stays in percent points, 96.6, as the
// rules write `95%`) or as money (`£7.711m`, `£639k`, `£950`). The date is optional, ISO
// (2020-02-04) or UK (04/02/2020) as everywhere a person types a date; a line without one takes
// the batch's as-of date. Blank lines and lines starting with `#` are not
// samples. Hand-written and allocation-free in the steady state: the parser is on the hot path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::engine {

/// A parsed line. Views point into the line, or into `scratch_` when a label value had escapes:
/// valid until the next parse into the same object or the line's storage goes away.
struct ParsedSample {
  std::string_view metric;
  std::vector<LabelView> labels;  // in the order written
  double value = 0;
  std::optional<Date> date;

  std::string scratch_;  // unescaped label values; reused between lines
  char date_text_[10] = {};  // the last date parsed, so a file of one date parses it once
  Date date_value_;
};

enum class LineKind : std::uint8_t { sample, blank, error };

/// Parses one line (without its newline; a trailing '\r' is ignored). On `error`, `error` holds
/// the reason and `error_column` the 1-based byte column it was found at; `out` is unspecified.
LineKind parse_sample_line(std::string_view line, ParsedSample& out, std::string& error,
                           std::size_t& error_column);

}  // namespace bandwatch::engine
