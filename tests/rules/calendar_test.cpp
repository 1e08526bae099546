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

TEST(Calendar, ParsesDatesAsPeopleTypeThemAndSaysWhyNot) {
  EXPECT_EQ(parse_date("2020-02-04"), d("2020-02-04"));
  EXPECT_EQ(parse_date("04/02/2020"), d("2020-02-04"));
  EXPECT_EQ(parse_date("4/2/2020"), d("2020-02-04"));
  std::string why;
  EXPECT_FALSE(parse_date("2020-02-30", &why));
  EXPECT_EQ(why, "'2020-02-30' is not a real date: February 2020 has 29 days");
  EXPECT_FALSE(parse_date("29/02/2021", &why));
  EXPECT_EQ(why, "'29/02/2021' is not a real date: February 2021 has 28 days");
  EXPECT_FALSE(parse_date("2020-13-01", &why));
  EXPECT_EQ(why, "'2020-13-01' is not a real date: there is no month 13");
  EXPECT_FALSE(parse_date(std::string(10, '\0'), &why));
  EXPECT_EQ(why, "expected a date such as 2020-02-04 or 04/02/2020, found '" + std::string(10, '?') + "'");
  EXPECT_FALSE(parse_date("04/02/20", &why));
  EXPECT_EQ(why, "expected a date such as 04/02/2020 (day/month/year, four-digit year), found '04/02/20'");
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

TEST(Calendar, LookingBackClampsToTheLastDay) {
  EXPECT_EQ(subtract(d("2020-05-31"), {3, DurationUnit::months})->iso(), "2020-02-29");
  EXPECT_EQ(subtract(d("2021-02-28"), {1, DurationUnit::years})->iso(), "2020-02-28");
  EXPECT_EQ(add(d("2020-01-01"), {6, DurationUnit::weeks})->iso(), "2020-02-12");
  EXPECT_FALSE(add(d("2020-01-01"), {2, DurationUnit::periods}));
  EXPECT_FALSE(add(d("2020-01-01"), {2, DurationUnit::returns}));
}

// Issue 12, case 5: a duration is complete once the day it started on has come round, or, when
// the month is too short to have that day, the first of the month after.
TEST(Calendar, DurationsAreCompleteOnTheDayThatComesRound) {
  EXPECT_EQ(add(d("2020-02-29"), {2, DurationUnit::years})->iso(), "2022-03-01");
  EXPECT_EQ(add(d("2020-02-29"), {4, DurationUnit::years})->iso(), "2024-02-29");
  EXPECT_EQ(add(d("2020-11-30"), {3, DurationUnit::months})->iso(), "2021-03-01");
  EXPECT_EQ(add(d("2020-01-31"), {1, DurationUnit::months})->iso(), "2020-03-01");
  EXPECT_FALSE(at_least(d("2020-02-29"), d("2022-02-28"), {2, DurationUnit::years}));
  EXPECT_TRUE(at_least(d("2020-02-29"), d("2022-03-01"), {2, DurationUnit::years}));
  EXPECT_FALSE(at_least(d("2020-11-30"), d("2021-02-28"), {3, DurationUnit::months}));
  EXPECT_TRUE(at_least(d("2020-11-30"), d("2021-03-01"), {3, DurationUnit::months}));
}

/// The reference: whole months completed since a start day, counted by walking the calendar a
/// day at a time. A month completes on the day whose day-of-month is the start's, or, in a month
/// too short to have it, on the first of the next month.
class MonthWalker {
 public:
  explicit MonthWalker(Date start) : start_(start), at_(start) {}
  /// Moves to the next day; returns the months completed by it.
  int step() {
    at_ = Date{at_.days_since_epoch + 1};
    if (at_.day() == 1 && owed_) {
      ++completed_;
      owed_ = false;
    }
    if (at_.day() == start_.day()) ++completed_;
    // Passing the last day of a month that has no start day owes that month's completion.
    unsigned last = days_in_month(at_.year(), at_.month());
    if (at_.day() == last && last < start_.day()) owed_ = true;
    return completed_;
  }
  Date day() const { return at_; }

 private:
  Date start_, at_;
  int completed_ = 0;
  bool owed_ = false;
};

TEST(Calendar, MonthsAndYearsAgreeWithWalkingTheCalendarEveryDayOfThreeYears) {
  // Every start day of 2019-2021 (2020 a leap year), each end day up to about 26 months on.
  const int months[] = {1, 3, 6, 12, 18, 24};
  int checked = 0;
  for (Date start = d("2019-01-01"); start <= d("2021-12-31"); start = Date{start.days_since_epoch + 1}) {
    MonthWalker walker(start);
    for (int i = 0; i < 800; ++i) {
      int walked = walker.step();
      Date day = walker.day();
      for (int n : months) {
        ASSERT_EQ(at_least(start, day, {n, DurationUnit::months}), walked >= n)
            << start.iso() << " + " << n << " months, on " << day.iso();
        if (n % 12 == 0) {
          ASSERT_EQ(at_least(start, day, {n / 12, DurationUnit::years}), walked >= n) << start.iso() << " on " << day.iso();
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 1096 * 800 * 6);
}

TEST(Calendar, DurationsPrintSingularAndPlural) {
  EXPECT_EQ(to_string(Duration{1, DurationUnit::years}), "1 year");
  EXPECT_EQ(to_string(Duration{14, DurationUnit::days}), "14 days");
}

}  // namespace
}  // namespace bandwatch
