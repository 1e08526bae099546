// Dates as spreadsheets write them: dd/mm/yyyy (the UK default), yyyy-mm-dd, Excel serial numbers,
// "4 Feb 2020" and "04-Feb-2020", with or without a trailing time of day.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/calendar.hpp"

namespace bandwatch::extract {

/// How to read a date written with three numbers and a separator, like 04/02/2020.
/// Year-first forms (2020-02-04, 2020/02/04) are read year-month-day whatever the order.
enum class DateOrder : unsigned char { day_first, month_first };

/// The order a mapping's `date_format` asks for: "dd/mm/yyyy" (also "dd-mm-yyyy",
/// "dd.mm.yyyy") and "yyyy-mm-dd" are day-first, "mm/dd/yyyy" month-first; nullopt otherwise.
std::optional<DateOrder> date_order_from_format(std::string_view format);

/// A parsed date, or why the text is not one ("31/02/2020 is not a real date").
struct DateParse {
  std::optional<Date> date;
  std::string reason;  // empty when `date` is set
};

/// Reads one cell as a date. Accepts, after trimming:
///  - d/m/yyyy and dd/mm/yyyy (separators `/`, `-` or `.`), in `order`;
///  - yyyy-mm-dd and yyyy/mm/dd;
///  - d Mon yyyy, dd-Mon-yyyy, d Month yyyy (English month names, any case);
///  - an Excel serial number (1900 date system, days since 30/12/1899 for serials from 61,
///    which is what Excel stores for every date after 28/02/1900); a fractional part is a time
///    of day and ignored;
///  - any of the first three followed by a time of day ("04/02/2020 00:00", "2020-02-04T09:30").
/// Rejects two-digit years (the century would be a guess) and dates that do not exist.
DateParse parse_date(std::string_view text, DateOrder order = DateOrder::day_first);

/// The date an Excel serial number stands for; nullopt outside 1..2958465 (31/12/9999) and for
/// serial 60, Excel's non-existent 29/02/1900.
std::optional<Date> from_excel_serial(long serial);

}  // namespace bandwatch::extract
