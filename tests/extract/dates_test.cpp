#include "extract/dates.hpp"

#include <gtest/gtest.h>

namespace bandwatch::extract {
namespace {

std::string parsed(std::string_view text, DateOrder order = DateOrder::day_first) {
  DateParse result = parse_date(text, order);
  return result.date ? result.date->iso() : "error: " + result.reason;
}

TEST(Dates, UkDayFirst) {
  EXPECT_EQ(parsed("04/02/2020"), "2020-02-04");
  EXPECT_EQ(parsed("4/2/2020"), "2020-02-04");
  EXPECT_EQ(parsed("04-02-2020"), "2020-02-04");
  EXPECT_EQ(parsed("04.02.2020"), "2020-02-04");
  EXPECT_EQ(parsed(" 04/02/2020 "), "2020-02-04");
  EXPECT_EQ(parsed("04/02/2020", DateOrder::month_first), "2020-04-02");
}

TEST(Dates, Iso) {
  EXPECT_EQ(parsed("2020-02-04"), "2020-02-04");
  EXPECT_EQ(parsed("2020/02/04"), "2020-02-04");
  EXPECT_EQ(parsed("2020-02-04", DateOrder::month_first), "2020-02-04");
  EXPECT_EQ(parsed("2020-02-04T09:30:00"), "2020-02-04");
  EXPECT_EQ(parsed("2020-02-04 09:30:00.000"), "2020-02-04");
}

TEST(Dates, TimeOfDayIsIgnored) {
  EXPECT_EQ(parsed("04/02/2020 00:00"), "2020-02-04");
  EXPECT_EQ(parsed("04/02/2020 13:45:10"), "2020-02-04");
  EXPECT_NE(parsed("04/02/2020 tomorrow").substr(0, 5), "2020-");
}

TEST(Dates, MonthNames) {
  EXPECT_EQ(parsed("4 Feb 2020"), "2020-02-04");
  EXPECT_EQ(parsed("04-Feb-2020"), "2020-02-04");
  EXPECT_EQ(parsed("4 February 2020"), "2020-02-04");
  EXPECT_EQ(parsed("30 sept 2021"), "2021-09-30");
  EXPECT_EQ(parsed("4 Fbr 2020").substr(0, 6), "error:");
}

TEST(Dates, ExcelSerialNumbers) {
  EXPECT_EQ(parsed("43865"), "2020-02-04");
  EXPECT_EQ(parsed("43865.5"), "2020-02-04");  // noon
  EXPECT_EQ(parsed("61"), "1900-03-01");
  EXPECT_EQ(parsed("59"), "1900-02-28");
  EXPECT_EQ(parsed("1"), "1900-01-01");
  EXPECT_EQ(parsed("60").substr(0, 6), "error:");  // Excel's 29/02/1900 never existed
  EXPECT_EQ(parsed("0").substr(0, 6), "error:");
  EXPECT_EQ(parsed("20200204").substr(0, 6), "error:");
}

TEST(Dates, RejectsWhatIsNotARealDate) {
  EXPECT_EQ(parsed("31/02/2020"), "error: \"31/02/2020\" is not a real date");
  EXPECT_EQ(parsed("29/02/2021"), "error: \"29/02/2021\" is not a real date");
  EXPECT_EQ(parsed("29/02/2020"), "2020-02-29");
  EXPECT_EQ(parsed("00/01/2020"), "error: \"00/01/2020\" is not a real date");
  EXPECT_EQ(parsed("13/13/2020"), "error: \"13/13/2020\" is not a real date");
  EXPECT_EQ(parsed(""), "error: blank, expected a date");
  EXPECT_EQ(parsed("not known"), "error: \"not known\" is not a date");
  EXPECT_EQ(parsed("04/02/20"), "error: \"04/02/20\" has a two-digit year");
  EXPECT_EQ(parsed("04/02"), "error: \"04/02\" is not a date");
  EXPECT_EQ(parsed("2020-02"), "error: \"2020-02\" is not a date");
  EXPECT_EQ(parsed("04//2020"), "error: \"04//2020\" is not a date");
  EXPECT_EQ(parsed("04/02-2020"), "error: \"04/02-2020\" is not a date");
}

TEST(Dates, DateFormatNames) {
  EXPECT_EQ(date_order_from_format("dd/mm/yyyy"), DateOrder::day_first);
  EXPECT_EQ(date_order_from_format("DD-MM-YYYY"), DateOrder::day_first);
  EXPECT_EQ(date_order_from_format("yyyy-mm-dd"), DateOrder::day_first);
  EXPECT_EQ(date_order_from_format("mm/dd/yyyy"), DateOrder::month_first);
  EXPECT_EQ(date_order_from_format("yy/mm/dd"), std::nullopt);
}

}  // namespace
}  // namespace bandwatch::extract
