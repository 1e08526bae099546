// Band coverage: gaps and overlaps over the reals and over the lattice of rounded values.
#include "band_coverage.hpp"  // internal to rules/

#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace bandwatch {
namespace {

using ast::Colour;
using ast::Unit;

// A small vocabulary for writing bands as the language does.
struct Edge {
  std::optional<double> lower;
  bool lower_inclusive = true;
  std::optional<double> upper;
  bool upper_inclusive = true;
};
Edge at_least(double x) { return {x, true, std::nullopt, true}; }       // >= x
Edge above(double x) { return {x, false, std::nullopt, true}; }         // > x
Edge at_most(double x) { return {std::nullopt, true, x, true}; }        // <= x
Edge below(double x) { return {std::nullopt, true, x, false}; }         // < x
Edge range(double a, double b) { return {a, true, b, true}; }           // a .. b
Edge half_open(double a, double b) { return {a, true, b, false}; }      // >= a and < b
Edge open(double a, double b) { return {a, false, b, false}; }          // > a and < b

BandInterval make(Colour colour, Edge edge) {
  return {colour, edge.lower, edge.lower_inclusive, edge.upper, edge.upper_inclusive};
}
BandInterval green(Edge edge) { return make(Colour::green, edge); }
BandInterval amber(Edge edge) { return make(Colour::amber, edge); }
BandInterval red(Edge edge) { return make(Colour::red, edge); }

struct Case {
  const char* name;
  Unit unit;
  std::optional<std::int64_t> round;
  std::vector<BandInterval> bands;
  std::vector<std::string> expected;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const Case& test, std::ostream* out) { *out << test.name; }

std::vector<std::string> messages(const std::vector<CoverageFinding>& findings) {
  std::vector<std::string> out;
  for (const CoverageFinding& finding : findings) out.push_back(finding.message);
  return out;
}

const Case kCases[] = {
    // Stockton 2016, single assessments, as printed: whole-percent edges leave gaps over the reals.
    {"seed_edges_exact", Unit::percent, std::nullopt,
     {green(at_least(95)), amber(range(90, 94)), red(at_most(89))},
     {"no band covers 89% < v < 90%", "no band covers 94% < v < 95%"}},
    // ... and none once values are rounded to whole percent (94.6 prints, and classifies, as 95).
    {"seed_edges_round_0", Unit::percent, 0,
     {green(at_least(95)), amber(range(90, 94)), red(at_most(89))},
     {}},
    // One decimal place reaches 94.1 .. 94.9, which no band takes.
    {"seed_edges_round_1", Unit::percent, 1,
     {green(at_least(95)), amber(range(90, 94)), red(at_most(89))},
     {"no band covers 89.1% .. 89.9%", "no band covers 94.1% .. 94.9%"}},
    {"seed_edges_round_2", Unit::percent, 2,
     {green(at_least(95)), amber(range(90, 94)), red(at_most(89))},
     {"no band covers 89.01% .. 89.99%", "no band covers 94.01% .. 94.99%"}},
    // Stockton ICPC: `amber 75% .. 84%  red <= 75%` share 75%, rounded or not.
    {"icpc_overlap_round_0", Unit::percent, 0,
     {green(at_least(85)), amber(range(75, 84)), red(at_most(75))},
     {"amber and red both cover 75%; amber, written first, takes it"}},
    {"icpc_overlap_exact", Unit::percent, std::nullopt,
     {green(at_least(85)), amber(range(75, 84)), red(at_most(75))},
     {"amber and red both cover 75%; amber, written first, takes it", "no band covers 84% < v < 85%"}},
    {"overlap_range", Unit::percent, std::nullopt,
     {green(at_least(70)), amber(range(60, 70)), red(at_most(65))},
     {"amber and red both cover 60% .. 65%; amber, written first, takes them",
      "green and amber both cover 70%; green, written first, takes it"}},
    {"overlap_half_open", Unit::percent, std::nullopt,
     {green(at_least(70)), amber(half_open(60, 75)), red(below(60))},
     {"green and amber both cover 70% <= v < 75%; green, written first, takes them"}},
    // A later band containing an earlier one is a cascade: first match wins, nothing to say.
    {"cascade_unbounded", Unit::number, std::nullopt,
     {green(at_least(10)), red(above(5))},
     {"no band covers v <= 5"}},
    {"cascade_percent", Unit::percent, std::nullopt,
     {green(at_least(90)), amber(at_least(85)), red(below(85))},
     {}},
    {"cascade_to_the_bottom", Unit::percent, 0,
     {green(at_least(90)), amber(at_least(85)), red(at_least(0))},
     {}},
    {"cascade_lower_is_better", Unit::count, std::nullopt,
     {green(at_most(20)), amber(at_most(25)), red(above(25))},
     {}},
    // A band every value of which an earlier band takes is never used.
    {"shadowed_band", Unit::percent, std::nullopt,
     {green(at_least(85)), amber(at_least(90)), red(below(85))},
     {"amber band v >= 90% is never used: the green band written before it takes every value it covers (the "
      "first band that covers a value gives its colour)"}},
    {"shadowed_by_two", Unit::percent, std::nullopt,
     {green(at_least(85)), red(below(85)), amber(range(80, 90))},
     {"amber band 80% .. 90% is never used: the bands written before it take every value it covers (the first "
      "band that covers a value gives its colour)"}},
    // Partly overlapping, the same amber range over green and red is reported against each.
    {"partial_both_sides", Unit::percent, std::nullopt,
     {green(at_least(90)), red(below(80)), amber(range(70, 95))},
     {"red and amber both cover 70% <= v < 80%; red, written first, takes them",
      "green and amber both cover 90% .. 95%; green, written first, takes them"}},
    {"half_open_bands_cover_exactly", Unit::percent, std::nullopt,
     {green(at_least(95)), amber(half_open(90, 95)), red(below(90))},
     {}},
    {"caseload_count", Unit::count, std::nullopt, {green(at_most(20)), red(above(20))}, {}},
    {"a1_days", Unit::days, 0, {green(at_most(593)), red(above(593))}, {}},
    {"days_gap", Unit::days, std::nullopt,
     {green(at_most(593)), red(at_least(600))},
     {"no band covers 593 days < v < 600 days"}},
    // Counts cannot be negative, so the bands start at 0 ...
    {"count_starts_at_zero", Unit::count, std::nullopt,
     {green(at_least(5))},
     {"no band covers 0 <= v < 5"}},
    {"count_starts_at_zero_rounded", Unit::count, 0, {green(at_least(5))}, {"no band covers 0 .. 4"}},
    {"percent_from_zero", Unit::percent, 0,
     {green(range(0, 2)), amber(range(3, 4)), red(at_least(5))},
     {}},
    // ... but a plain number, or any negative bound, needs the whole line.
    {"number_whole_line", Unit::number, std::nullopt,
     {green(at_least(0)), red(above(10))},
     {"no band covers v < 0",
      "red band v > 10 is never used: the green band written before it takes every value it covers (the first "
      "band that covers a value gives its colour)"}},
    {"negative_bound_percent_change", Unit::percent, std::nullopt,
     {green(at_least(-5)), red(below(-10))},
     {"no band covers -10% <= v < -5%"}},
    {"single_point_gap", Unit::number, std::nullopt,
     {green(below(90)), red(above(90))},
     {"no band covers 90"}},
    {"money", Unit::gbp, std::nullopt,
     {green(at_most(5293000)), red(above(5500000))},
     {"no band covers £5.293m < v <= £5.5m"}},
    {"money_thousands", Unit::gbp, 0,
     {green(at_most(639000)), red(at_least(700000))},
     {"no band covers £639.001k .. £699.999k"}},
    {"rounding_half_edges", Unit::percent, 0, {green(at_least(94.5)), red(at_most(94))}, {}},
    {"rounding_half_edges_round_1", Unit::percent, 1, {green(at_least(94.5)), red(below(94.5))}, {}},
    {"float_noise_edges", Unit::percent, 1, {green(at_least(0.3)), red(at_most(0.1 + 0.1))}, {}},
    // The second red band contains the first: a cascade, however redundant.
    {"two_bands_same_colour_cascade", Unit::count, std::nullopt,
     {red(at_most(10)), red(at_most(20)), green(above(20))},
     {}},
    {"two_bands_same_colour", Unit::count, std::nullopt,
     {red(range(0, 10)), red(range(5, 20)), green(above(20))},
     {"two red bands both cover 5 .. 10"}},
    {"empty_band", Unit::percent, std::nullopt,
     {green(at_least(95)), amber(range(94, 90)), red(below(95))},
     {"amber band 94% .. 90% covers no value"}},
    {"empty_after_rounding", Unit::percent, 0,
     {green(at_least(95)), amber(open(94.2, 94.8)), red(below(95))},
     {"amber band 94.2% < v < 94.8% covers no value once values are rounded to whole numbers"}},
    {"empty_below_zero", Unit::percent, std::nullopt,
     {green(at_least(0)), red(below(0))},
     {"red band v < 0% covers no value: percent values are never negative"}},
    {"no_bands_at_all", Unit::number, std::nullopt, {}, {"no band covers every value"}},
    {"no_bands_non_negative", Unit::count, 0, {}, {"no band covers v >= 0"}},
    // Lattice arithmetic past what a double holds exactly falls back to the reals.
    {"huge_round", Unit::number, 15, {green(at_least(1e6)), red(below(1e6))}, {}},
    {"many_places", Unit::percent, 3,
     {green(at_least(95)), red(at_most(94.99))},
     {"no band covers 94.991% .. 94.999%"}},
};

class BandCoverageTable : public ::testing::TestWithParam<Case> {};

TEST_P(BandCoverageTable, FindsExactlyTheExpectedGapsAndOverlaps) {
  const Case& test = GetParam();
  EXPECT_EQ(messages(band_coverage(test.bands, test.unit, test.round)), test.expected);
}

INSTANTIATE_TEST_SUITE_P(Checker, BandCoverageTable, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(CheckerBandCoverage, GapBelongsToTheLaterNeighbourOverlapToTheLaterBand) {
  std::vector<BandInterval> bands = {green(at_least(85)), amber(range(75, 84)), red(at_most(75))};
  std::vector<CoverageFinding> findings = band_coverage(bands, Unit::percent, std::nullopt);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].kind, CoverageFinding::Kind::overlap);
  EXPECT_EQ(findings[0].band, 2u);  // red, listed after amber, loses 75% to it
  EXPECT_EQ(findings[1].kind, CoverageFinding::Kind::gap);
  EXPECT_EQ(findings[1].band, 1u);  // between green (first) and amber (second): amber
}

TEST(CheckerBandCoverage, GapAtTheEndBelongsToItsOnlyNeighbour) {
  std::vector<CoverageFinding> findings =
      band_coverage({green(at_least(5)), red(range(1, 2))}, Unit::count, std::nullopt);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].message, "no band covers 0 <= v < 1");
  EXPECT_EQ(findings[0].band, 1u);
  EXPECT_EQ(findings[1].message, "no band covers 2 < v < 5");
  EXPECT_EQ(findings[1].band, 1u);
}

TEST(CheckerBandCoverage, FormatsAmountsInTheirUnit) {
  EXPECT_EQ(format_amount(95, Unit::percent), "95%");
  EXPECT_EQ(format_amount(94.5, Unit::percent), "94.5%");
  EXPECT_EQ(format_amount(-19.6, Unit::percent), "-19.6%");
  EXPECT_EQ(format_amount(5293000, Unit::gbp), "£5.293m");
  EXPECT_EQ(format_amount(639000, Unit::gbp), "£639k");
  EXPECT_EQ(format_amount(-639000, Unit::gbp), "-£639k");
  EXPECT_EQ(format_amount(500, Unit::gbp), "£500");
  EXPECT_EQ(format_amount(20, Unit::count), "20");
  EXPECT_EQ(format_amount(23.6, Unit::number), "23.6");
  EXPECT_EQ(format_amount(1, Unit::days), "1 day");
  EXPECT_EQ(format_amount(593, Unit::days), "593 days");
  EXPECT_EQ(format_amount(527.95, Unit::rate_per_10k), "527.95");
  EXPECT_EQ(format_amount(15.5, Unit::fte), "15.5");
  EXPECT_EQ(format_amount(0.1 + 0.2, Unit::number), "0.3");
}

}  // namespace
}  // namespace bandwatch
