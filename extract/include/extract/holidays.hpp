// Working days: Monday to Friday less the bank holidays of a data file
// (data/bank_holidays_england_wales.txt, compiled in). Pure: the loader takes the file's text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/calendar.hpp"

namespace bandwatch::extract {

/// The bank holidays of some span of whole years, and working-day arithmetic over them.
/// Immutable once built, so one calendar may be shared between threads.
class HolidayCalendar {
 public:
  /// Reads a holiday file: one `yyyy-mm-dd  name` a line; `#` starts a comment; blank lines are
  /// ignored. The years covered run from the first date's year to the last date's year.
  /// On a malformed line returns nullopt and sets `error` to "line N: reason".
  static std::optional<HolidayCalendar> parse(std::string_view text, std::string& error);

  /// The England and Wales calendar compiled into the program from the data file.
  static const HolidayCalendar& england_and_wales();

  /// Working days after `from` up to and including `to` (so Monday to the next Monday is 5, and
  /// a date to itself is 0); negative when `to` is before `from`. Both dates must be covered;
  /// nullopt when either is not (a guess there would be silently wrong).
  std::optional<long> working_days_between(Date from, Date to) const;

  bool is_working_day(Date date) const;
  bool covers(Date date) const { return date >= first_ && date <= last_; }
  Date first_covered() const { return first_; }
  Date last_covered() const { return last_; }
  const std::vector<Date>& holidays() const { return holidays_; }

 private:
  // Working days in [first_, date] inclusive; `date` must be covered.
  long working_days_through(Date date) const;

  std::vector<Date> holidays_;  // sorted, weekdays only (a holiday on a weekend changes nothing)
  Date first_;
  Date last_;
};

/// The text of data/bank_holidays_england_wales.txt as it was at build time.
std::string_view bundled_holidays_text();

}  // namespace bandwatch::extract
