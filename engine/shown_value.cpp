// How an indicator's value is shown: one number in every output, never printed on the other
// side of a band edge from where it was classified (see program.hpp).
#include <cmath>

#include "program.hpp"

namespace bandwatch::engine::detail {
namespace {

constexpr int kMostPlaces = 6;

/// The index of the first band of `set` holding `v`; -1 when none does.
int band_index(const BandSetDef& set, double v) {
  for (std::size_t i = 0; i < set.bands.size(); ++i) {
    const BandDef& b = set.bands[i];
    if (b.has_lower && (b.lower_inclusive ? v < b.lower : v <= b.lower)) continue;
    if (b.has_upper && (b.upper_inclusive ? v > b.upper : v >= b.upper)) continue;
    return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

int shown_places(const IndicatorDef& ind, double value) {
  int places = ind.decimals >= 0 ? ind.decimals : usual_places(value, ind.unit);
  if (!std::isfinite(value)) return places;
  // Every block of bands, not only the one in force for this series: the same value then reads
  // the same wherever it is shown, whoever shows it.
  for (; places < kMostPlaces; ++places) {
    double shown = shown_number(value, ind.unit, places);
    if (shown == value) break;
    bool alike = true;
    for (const BandSetDef& set : ind.band_sets)
      if (band_index(set, shown) != band_index(set, value)) {
        alike = false;
        break;
      }
    if (alike) break;
  }
  return places;
}

// shown_indicator_value is shown_number at shown_places: the evaluation keeps both.
double shown_indicator_value(const IndicatorDef& ind, double value) {
  return shown_number(value, ind.unit, shown_places(ind, value));
}

std::string format_indicator_value(const IndicatorDef& ind, double value) {
  std::string text;
  append_indicator_value(text, ind, value, -1);
  return text;
}

void append_indicator_value(std::string& out, const IndicatorDef& ind, double value, int places) {
  if (places < 0) places = shown_places(ind, value);
  // Places beyond the indicator's own are shown as needed (89.96%), not padded.
  bool keep_zeros = ind.fixed_decimals && places == ind.decimals;
  append_value(out, value, ind.unit, places, keep_zeros);
}

}  // namespace bandwatch::engine::detail
