// Band coverage: which values a block of bands leaves unclassified (gaps) and which it classifies
// twice (overlaps). Internal to the rules front end: the checker turns the findings into warnings;
// tests call it directly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "rules/ast.hpp"

namespace bandwatch {

/// One band's interval, its bounds already converted to the indicator's unit base (percent
/// points, pounds, days). A missing bound is unbounded.
struct BandInterval {
  ast::Colour colour = ast::Colour::green;
  std::optional<double> lower;
  bool lower_inclusive = true;
  std::optional<double> upper;
  bool upper_inclusive = true;
};

/// A gap, an overlap, or a band that can never match. `band` is the index of the band the
/// warning belongs at (for an overlap, the later band, which loses those values to the earlier
/// one at run time), or npos when no band is involved.
struct CoverageFinding {
  enum class Kind : std::uint8_t { gap, overlap, empty_band };
  Kind kind = Kind::gap;
  std::size_t band = npos;
  std::string message;  // "no band covers 94% < v < 95%", "amber and red both cover 75%"

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

/// Checks one block of bands (one `from` date, one `where` scope) for gaps and overlaps.
///
/// Values of a unit that cannot be negative (percent, count, days, gbp, fte, rate_per_10k) start
/// at 0, so `red <= 89%` covers everything below 90%; as soon as one bound is negative (a percent
/// change, a budget variance) the bands must cover the whole real line. With `round` N, values are
/// rounded to N decimal places before they are classified, so only multiples of 10^-N can occur
/// and gaps between them do not count: with `round 0`, `amber 90% .. 94%  green >= 95%` leaves no
/// gap. Findings come in order of value, lowest first.
std::vector<CoverageFinding> band_coverage(const std::vector<BandInterval>& bands, ast::Unit unit,
                                           std::optional<std::int64_t> round);

/// A value as a rule author writes it in `unit`: 95%, 94.5%, £5.293m, £639k, 20, 593 days.
std::string format_amount(double value, ast::Unit unit);

}  // namespace bandwatch
