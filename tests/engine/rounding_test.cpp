// round_half_away is std::round without the call into libm: the same result for every value,
// halves (away from zero), values a hair either side of them, both signs, the edge at 2^52
// where doubles stop having fractions, and the values that are not numbers.
#include "program.hpp"  // internal to engine/

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace bandwatch::engine::detail {
namespace {

TEST(RoundHalfAway, AgreesWithStdRoundEverywhere) {
  std::vector<double> values = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                                1e-300, -1e-300, 4503599627370495.5, -4503599627370495.5, 4503599627370496.0,
                                9007199254740993.0, 1e300, -1e300};
  for (double half = 0.5; half < 1e6; half += 1.0) {
    values.push_back(half);
    values.push_back(-half);
    values.push_back(std::nextafter(half, 0.0));
    values.push_back(std::nextafter(half, 1e9));
    values.push_back(-std::nextafter(half, 0.0));
  }
  std::mt19937_64 random(20261205);
  std::uniform_real_distribution<double> small(-1000.0, 1000.0), large(-1e17, 1e17);
  for (int i = 0; i < 200000; ++i) {
    values.push_back(small(random));
    values.push_back(large(random));
  }
  std::size_t checked = 0;
  for (double v : values) {
    double expected = std::round(v), got = round_half_away(v);
    ASSERT_EQ(got, expected) << std::hexfloat << v;
    ASSERT_EQ(std::signbit(got), std::signbit(expected)) << std::hexfloat << v;
    ++checked;
  }
  EXPECT_GT(checked, 5000000u);
  EXPECT_EQ(round_half_away(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(round_half_away(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(round_half_away(2.5), 3.0);    // away from zero, not to even
  EXPECT_EQ(round_half_away(-2.5), -3.0);
}

}  // namespace
}  // namespace bandwatch::engine::detail
