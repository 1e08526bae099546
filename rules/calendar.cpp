#include "rules/calendar.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace bandwatch {
namespace {

using namespace std::chrono;

year_month_day to_ymd(Date date) { return year_month_day{sys_days{days{date.days_since_epoch}}}; }

Date from_sys(sys_days day) { return Date{static_cast<std::int32_t>(day.time_since_epoch().count())}; }

// Month arithmetic that clamps to the last day of the target month (31 May - 3 months = 28/29 Feb).
Date add_months(Date date, std::int64_t count) {
  year_month_day ymd = to_ymd(date);
  year_month target = year_month{ymd.year(), ymd.month()} + months{count};
  year_month_day_last last{target.year(), month_day_last{target.month()}};
  std::chrono::day clamped = ymd.day() > last.day() ? last.day() : ymd.day();
  year_month_day result(target.year(), target.month(), clamped);
  return from_sys(sys_days(result));
}

}  // namespace

Date Date::from_ymd(int y, unsigned m, unsigned d) {
  return from_sys(sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}});
}
int Date::year() const { return static_cast<int>(to_ymd(*this).year()); }
unsigned Date::month() const { return static_cast<unsigned>(to_ymd(*this).month()); }
unsigned Date::day() const { return static_cast<unsigned>(to_ymd(*this).day()); }
unsigned Date::iso_weekday() const {
  return weekday{sys_days{days{days_since_epoch}}}.iso_encoding();
}

namespace {

// Digits by hand, one calendar conversion: every event carries two ISO dates, and snprintf with
// three separate conversions was a tenth of the daemon's time per event.
void put_digits(char* at, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::string Date::iso() const {
  year_month_day ymd = to_ymd(*this);
  int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) {  // outside four digits: rare enough for snprintf
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", y, static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buffer;
  }
  std::string text(10, '-');
  put_digits(text.data(), static_cast<unsigned>(y), 4);
  put_digits(text.data() + 5, static_cast<unsigned>(ymd.month()), 2);
  put_digits(text.data() + 8, static_cast<unsigned>(ymd.day()), 2);
  return text;
}

std::string Date::uk() const {
  year_month_day ymd = to_ymd(*this);
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "%02u/%02u/%04d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()));
  return buffer;
}

std::optional<Date> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto digits = [&](std::size_t at, std::size_t len, auto& out) {
    auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + at + len, out);
    return ec == std::errc{} && ptr == text.data() + at + len;
  };
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return from_sys(sys_days{ymd});
}

std::string_view to_string(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::days: return "days";
    case DurationUnit::weeks: return "weeks";
    case DurationUnit::months: return "months";
    case DurationUnit::years: return "years";
    case DurationUnit::periods: return "periods";
  }
  return "days";
}

std::string to_string(const Duration& duration) {
  std::string unit{to_string(duration.unit)};
  if (duration.amount == 1) unit.pop_back();
  return std::to_string(duration.amount) + " " + unit;
}

std::optional<Date> add(Date date, const Duration& duration) {
  switch (duration.unit) {
    case DurationUnit::days:
      return Date{static_cast<std::int32_t>(date.days_since_epoch + duration.amount)};
    case DurationUnit::weeks:
      return Date{static_cast<std::int32_t>(date.days_since_epoch + 7 * duration.amount)};
    case DurationUnit::months: return add_months(date, duration.amount);
    case DurationUnit::years: return add_months(date, 12 * duration.amount);
    case DurationUnit::periods: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Date> subtract(Date date, const Duration& duration) {
  return add(date, Duration{-duration.amount, duration.unit});
}

bool at_least(Date from, Date to, const Duration& duration) {
  std::optional<Date> reached = add(from, duration);
  return reached && *reached <= to;
}

}  // namespace bandwatch
