#include "rules/calendar.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace bandwatch {
namespace {

using namespace std::chrono;

year_month_day to_ymd(Date date) { return year_month_day{sys_days{days{date.days_since_epoch}}}; }

Date from_sys(sys_days day) { return Date{static_cast<std::int32_t>(day.time_since_epoch().count())}; }

// Month arithmetic. Forward (`add`), a day the target month lacks rolls to the first of the next
// month: the duration is complete only once that day would have come. Backward (`subtract`, a
// look-back window), it clamps to the target month's last day.
Date add_months(Date date, std::int64_t count) {
  year_month_day ymd = to_ymd(date);
  year_month target = year_month{ymd.year(), ymd.month()} + months{count};
  year_month_day_last last{target.year(), month_day_last{target.month()}};
  if (ymd.day() > last.day()) {
    if (count >= 0) return from_sys(sys_days(last) + days{1});
    return from_sys(sys_days(last));
  }
  return from_sys(sys_days(year_month_day(target.year(), target.month(), ymd.day())));
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

unsigned days_in_month(int y, unsigned m) {
  return static_cast<unsigned>(year_month_day_last{year{y}, month_day_last{month{m}}}.day());
}

namespace {

constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                            "July",    "August",   "September", "October", "November", "December"};

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::optional<Date> parse_date(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Date> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  std::string shown(text.substr(0, 40));
  for (char& c : shown)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  std::string_view y, m, d;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  } else if (std::size_t first = text.find('/'); first != std::string_view::npos) {
    std::size_t second = text.find('/', first + 1);
    if (second == std::string_view::npos) return fail("expected a date such as 2020-02-04 or 04/02/2020, found '" + shown + "'");
    d = text.substr(0, first), m = text.substr(first + 1, second - first - 1), y = text.substr(second + 1);
    if (d.size() > 2 || m.size() > 2 || y.size() != 4)
      return fail("expected a date such as 04/02/2020 (day/month/year, four-digit year), found '" + shown + "'");
  } else {
    return fail("expected a date such as 2020-02-04 or 04/02/2020, found '" + shown + "'");
  }
  if (!all_digits(y) || !all_digits(m) || !all_digits(d))
    return fail("expected a date such as 2020-02-04 or 04/02/2020, found '" + shown + "'");
  int year_number = 0;
  unsigned month_number = 0, day_number = 0;
  std::from_chars(y.data(), y.data() + y.size(), year_number);
  std::from_chars(m.data(), m.data() + m.size(), month_number);
  std::from_chars(d.data(), d.data() + d.size(), day_number);
  if (month_number < 1 || month_number > 12)
    return fail("'" + shown + "' is not a real date: there is no month " + std::to_string(month_number));
  unsigned last = days_in_month(year_number, month_number);
  if (day_number < 1 || day_number > last)
    return fail("'" + shown + "' is not a real date: " + std::string(kMonthNames[month_number - 1]) + " " +
                std::to_string(year_number) + " has " + std::to_string(last) + " days");
  return Date::from_ymd(year_number, month_number, day_number);
}

std::string_view to_string(DurationUnit unit) {
  switch (unit) {
    case DurationUnit::days: return "days";
    case DurationUnit::weeks: return "weeks";
    case DurationUnit::months: return "months";
    case DurationUnit::years: return "years";
    case DurationUnit::periods: return "periods";
    case DurationUnit::returns: return "returns";
  }
  return "days";
}

bool counts_returns(DurationUnit unit) { return unit == DurationUnit::periods || unit == DurationUnit::returns; }

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
    case DurationUnit::periods:
    case DurationUnit::returns: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Date> subtract(Date date, const Duration& duration) {
  return add(date, Duration{-duration.amount, duration.unit});
}

double approximate_days(const Duration& duration) {
  double amount = static_cast<double>(duration.amount);
  switch (duration.unit) {
    case DurationUnit::days: return amount;
    case DurationUnit::weeks: return 7 * amount;
    case DurationUnit::months: return 30.436875 * amount;
    case DurationUnit::years: return 365.2425 * amount;
    case DurationUnit::periods:
    case DurationUnit::returns: return 0;
  }
  return 0;
}

bool at_least(Date from, Date to, const Duration& duration) {
  std::optional<Date> reached = add(from, duration);
  return reached && *reached <= to;
}

}  // namespace bandwatch
