#include "rules/calendar.hpp"

#include <gtest/gtest.h>

namespace bandwatch {
namespace {

Date d(const char* iso) { return *parse_iso_date(iso); }

TEST(Calendar, ParsesAndPrintsIsoAndUkDates) {
  Date date = d("2020-02-04");
  EXPECT_EQ(date.iso(), "2020-02-04");
  EXPECT_EQ(date.uk(), "04/02/2020");
  EXPECT_EQ(date.year(), 2020);
  EXPECT_EQ(date.month(), 2u);
  EXPECT_EQ(date.day(), 4u);
  EXPECT_EQ(date.iso_weekday(), 2u);  // a Tuesday
}

TEST(Calendar, RejectsDatesThatDoNotExist) {
  EXPECT_FALSE(parse_iso_date("2021-02-29"));
  EXPECT_FALSE(parse_iso_date("2020-13-01"));
  EXPECT_FALSE(parse_iso_date("2020-1-01"));
  EXPECT_FALSE(parse_iso_date("2020-01-01x"));
  EXPECT_TRUE(parse_iso_date("2020-02-29"));
}

TEST(Calendar, TwoYearsIsMeasuredOnTheCalendar) {
  // A plan that began on 4 Feb 2019 is two years old on 4 Feb 2021 (731 days), not on 3 Feb.
  Duration two_years{2, DurationUnit::years};
  EXPECT_FALSE(at_least(d("2019-02-04"), d("2021-02-03"), two_years));
  EXPECT_TRUE(at_least(d("2019-02-04"), d("2021-02-04"), two_years));
  EXPECT_EQ(d("2021-02-04").days_since_epoch - d("2019-02-04").days_since_epoch, 731);
}

TEST(Calendar, MonthArithmeticClampsToTheLastDay) {
  EXPECT_EQ(subtract(d("2020-05-31"), {3, DurationUnit::months})->iso(), "2020-02-29");
  EXPECT_EQ(add(d("2020-02-29"), {1, DurationUnit::years})->iso(), "2021-02-28");
  EXPECT_EQ(add(d("2020-01-01"), {6, DurationUnit::weeks})->iso(), "2020-02-12");
  EXPECT_FALSE(add(d("2020-01-01"), {2, DurationUnit::periods}));
}

TEST(Calendar, DurationsPrintSingularAndPlural) {
  EXPECT_EQ(to_string(Duration{1, DurationUnit::years}), "1 year");
  EXPECT_EQ(to_string(Duration{14, DurationUnit::days}), "14 days");
}

}  // namespace
}  // namespace bandwatch
