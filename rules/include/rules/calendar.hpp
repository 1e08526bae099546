// Calendar dates and durations as the language means them: whole days, UK-style calendar
// arithmetic on top of C++20 <chrono> (Howard Hinnant's date, standardised). Pure: no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bandwatch {

/// A calendar date, stored as days since 1970-01-01 so comparisons and differences are cheap.
struct Date {
  std::int32_t days_since_epoch = 0;

  friend auto operator<=>(const Date&, const Date&) = default;

  static Date from_ymd(int year, unsigned month, unsigned day);
  int year() const;
  unsigned month() const;
  unsigned day() const;
  /// 1 = Monday ... 7 = Sunday (ISO weekday).
  unsigned iso_weekday() const;
  /// "2020-02-04"
  std::string iso() const;
  /// "04/02/2020", as councils print dates.
  std::string uk() const;
};

/// Parses "yyyy-mm-dd"; nullopt when malformed or not a real date (2021-02-29).
std::optional<Date> parse_iso_date(std::string_view text);

enum class DurationUnit : std::uint8_t { days, weeks, months, years, periods };

/// An amount of time as written: `14 days`, `6 weeks`, `3 months`, `2 years`, `2 periods`.
/// Months and years are calendar units: they are applied to a date, never converted to days.
struct Duration {
  std::int64_t amount = 0;
  DurationUnit unit = DurationUnit::days;
  friend bool operator==(const Duration&, const Duration&) = default;
};

std::string_view to_string(DurationUnit unit);
/// "14 days", "1 year".
std::string to_string(const Duration& duration);

/// `date` moved back by a calendar duration. Month arithmetic clamps to the month's last day
/// (31 May minus 3 months is 28 or 29 Feb). Periods have no calendar meaning: returns nullopt.
std::optional<Date> subtract(Date date, const Duration& duration);
std::optional<Date> add(Date date, const Duration& duration);

/// True when at least `duration` of calendar time separates `from` and `to` (from <= to).
/// `2 years` from 2019-02-04 is reached on 2021-02-04, not a day before.
bool at_least(Date from, Date to, const Duration& duration);

}  // namespace bandwatch
