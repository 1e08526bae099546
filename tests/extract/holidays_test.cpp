#include "extract/holidays.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace bandwatch::extract {
namespace {

Date d(int y, unsigned m, unsigned day) { return Date::from_ymd(y, m, day); }

TEST(Holidays, BundledTextIsTheDataFile) {
  std::ifstream file(BANDWATCH_HOLIDAYS_FILE, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(bundled_holidays_text(), text.str());
}

TEST(Holidays, BundledCalendarCovers2010To2030) {
  const HolidayCalendar& calendar = HolidayCalendar::england_and_wales();
  EXPECT_EQ(calendar.first_covered(), d(2010, 1, 1));
  EXPECT_EQ(calendar.last_covered(), d(2030, 12, 31));
  // Eight a year, plus the one-off days (2011 wedding, 2012 and 2022 jubilees, 2022 funeral,
  // 2023 coronation); none falls on a weekend.
  EXPECT_EQ(calendar.holidays().size(), 21u * 8 + 5);
}

TEST(Holidays, KnownDates) {
  const HolidayCalendar& calendar = HolidayCalendar::england_and_wales();
  for (Date holiday : {d(2020, 5, 8), d(2020, 12, 28), d(2022, 9, 19), d(2022, 6, 3), d(2023, 5, 8),
                       d(2011, 4, 29), d(2016, 12, 27), d(2010, 12, 27), d(2010, 12, 28),
                       d(2027, 3, 26), d(2030, 4, 22)})
    EXPECT_FALSE(calendar.is_working_day(holiday)) << holiday.iso();
  for (Date working : {d(2020, 5, 4), d(2022, 5, 30), d(2020, 2, 4)})
    EXPECT_TRUE(calendar.is_working_day(working)) << working.iso();
  EXPECT_FALSE(calendar.is_working_day(d(2020, 2, 8)));  // Saturday
}

TEST(Holidays, WorkingDaysBetween) {
  const HolidayCalendar& calendar = HolidayCalendar::england_and_wales();
  // Monday to the next Monday: five working days.
  EXPECT_EQ(calendar.working_days_between(d(2020, 2, 3), d(2020, 2, 10)), 5);
  EXPECT_EQ(calendar.working_days_between(d(2020, 2, 3), d(2020, 2, 3)), 0);
  EXPECT_EQ(calendar.working_days_between(d(2020, 2, 10), d(2020, 2, 3)), -5);
  // Friday to Monday: one.
  EXPECT_EQ(calendar.working_days_between(d(2020, 2, 7), d(2020, 2, 10)), 1);
  // Saturday to Sunday: none.
  EXPECT_EQ(calendar.working_days_between(d(2020, 2, 8), d(2020, 2, 9)), 0);
  // Easter 2020: Thursday 9 April to Tuesday 14 April skips Good Friday and Easter Monday.
  EXPECT_EQ(calendar.working_days_between(d(2020, 4, 9), d(2020, 4, 14)), 1);
  // Christmas 2020: 24 Dec (Thu) to 29 Dec (Tue): 25 Fri and 28 Mon are holidays.
  EXPECT_EQ(calendar.working_days_between(d(2020, 12, 24), d(2020, 12, 29)), 1);
  // A whole year: 2021 had 261 weekdays and 8 bank holidays on weekdays.
  EXPECT_EQ(calendar.working_days_between(d(2020, 12, 31), d(2021, 12, 31)), 253);
}

TEST(Holidays, OutsideTheDataIsNotGuessed) {
  const HolidayCalendar& calendar = HolidayCalendar::england_and_wales();
  EXPECT_EQ(calendar.working_days_between(d(2009, 12, 31), d(2010, 1, 5)), std::nullopt);
  EXPECT_EQ(calendar.working_days_between(d(2030, 12, 1), d(2031, 1, 5)), std::nullopt);
}

TEST(Holidays, ParsesCommentsAndReportsBadLines) {
  std::string error;
  std::optional<HolidayCalendar> calendar =
      HolidayCalendar::parse("# a comment\n\n2024-12-25  Christmas Day # inline\n2024-12-26\tBoxing Day\n", error);
  ASSERT_TRUE(calendar) << error;
  EXPECT_EQ(calendar->holidays().size(), 2u);
  EXPECT_EQ(calendar->first_covered(), d(2024, 1, 1));
  EXPECT_EQ(calendar->working_days_between(d(2024, 12, 24), d(2024, 12, 27)), 1);

  EXPECT_FALSE(HolidayCalendar::parse("2024-12-25\n25/12/2024 Christmas\n", error));
  EXPECT_EQ(error, "line 2: expected a date as yyyy-mm-dd, found \"25/12/2024 Christmas\"");
  EXPECT_FALSE(HolidayCalendar::parse("# nothing\n", error));
  EXPECT_FALSE(HolidayCalendar::parse("2024-02-30\n", error));
}

TEST(Holidays, WeekendHolidaysChangeNothing) {
  std::string error;
  std::optional<HolidayCalendar> calendar = HolidayCalendar::parse("2024-12-28\n", error);  // Saturday
  ASSERT_TRUE(calendar);
  EXPECT_TRUE(calendar->holidays().empty());
  EXPECT_EQ(calendar->working_days_between(d(2024, 12, 27), d(2024, 12, 30)), 1);
}

}  // namespace
}  // namespace bandwatch::extract
