// Band edges for shading sparklines, read back from the engine's text of the bands in force
// ("green >= 95%, amber 90% .. 94%, red <= 89%"). The text is what both the engine and the
// daemon give for a series, already resolved for `where` scopes and `from` dates, so the shading
// always matches the band the value was classified by.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "report/model.hpp"

namespace bandwatch::report {

/// A number as the language writes it in a band: `95%`, `20`, `23.6`, `£5.293m`, `£639k`,
/// `731 days`. nullopt when it is none of these.
std::optional<double> parse_band_quantity(std::string_view text);

/// The stretch of the axis each band covers. With `round` (decimal places the value is rounded
/// to before classifying) the edges move half a step, to where the unrounded value changes band:
/// with `round 0`, `amber 90% .. 94%` covers 89.5 <= v < 94.5. Bands that cannot be read are left
/// out (no shade rather than a wrong one).
std::vector<BandShade> shades_from_target(std::string_view target, std::optional<int> round);

}  // namespace bandwatch::report
