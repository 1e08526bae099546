#include "extract/holidays.hpp"

#include <algorithm>
#include <stdexcept>

#include "text.hpp"

namespace bandwatch::extract {
namespace {

// Weekdays (Mon-Fri) in [epoch, date) counted from an arbitrary Monday origin; only
// differences of this function are used, so the origin cancels.
long weekdays_before(Date date) {
  // 1970-01-05 was a Monday.
  long days = static_cast<long>(date.days_since_epoch) - 4;
  long weeks = days >= 0 ? days / 7 : -((-days + 6) / 7);
  long rest = days - weeks * 7;  // 0..6, 0 = Monday
  return weeks * 5 + std::min(rest, 5L);
}

}  // namespace

std::optional<HolidayCalendar> HolidayCalendar::parse(std::string_view text, std::string& error) {
  HolidayCalendar calendar;
  std::vector<Date> all;
  std::size_t line_number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++line_number;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    std::optional<Date> date = parse_iso_date(line.substr(0, 10));
    if (!date || (line.size() > 10 && line[10] != ' ' && line[10] != '\t')) {
      error = "line " + std::to_string(line_number) + ": expected a date as yyyy-mm-dd, found \"" +
              std::string(line) + "\"";
      return std::nullopt;
    }
    all.push_back(*date);
  }
  if (all.empty()) {
    error = "no dates";
    return std::nullopt;
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  calendar.first_ = Date::from_ymd(all.front().year(), 1, 1);
  calendar.last_ = Date::from_ymd(all.back().year(), 12, 31);
  for (Date date : all)
    if (date.iso_weekday() <= 5) calendar.holidays_.push_back(date);
  return calendar;
}

const HolidayCalendar& HolidayCalendar::england_and_wales() {
  static const HolidayCalendar calendar = [] {
    std::string error;
    std::optional<HolidayCalendar> parsed = parse(bundled_holidays_text(), error);
    // The file is checked by the tests; a broken one must not build a working program.
    if (!parsed) throw std::logic_error("bundled bank holiday file: " + error);
    return *parsed;
  }();
  return calendar;
}

bool HolidayCalendar::is_working_day(Date date) const {
  return date.iso_weekday() <= 5 && !std::binary_search(holidays_.begin(), holidays_.end(), date);
}

long HolidayCalendar::working_days_through(Date date) const {
  long weekdays = weekdays_before(Date{date.days_since_epoch + 1}) - weekdays_before(first_);
  long holidays = std::upper_bound(holidays_.begin(), holidays_.end(), date) - holidays_.begin();
  return weekdays - holidays;
}

std::optional<long> HolidayCalendar::working_days_between(Date from, Date to) const {
  if (!covers(from) || !covers(to)) return std::nullopt;
  return working_days_through(to) - working_days_through(from);
}

}  // namespace bandwatch::extract
