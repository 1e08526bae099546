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

/// Parses a date as a person types it, the one parser behind every date a user gives: ISO
/// "2020-02-04" or UK "04/02/2020" (day and month may have one digit: "4/2/2020"). On failure
/// returns nullopt and, when `error` is given, says why in words a data officer understands:
/// "'2020-02-30' is not a real date: February 2020 has 29 days".
std::optional<Date> parse_date(std::string_view text, std::string* error = nullptr);

/// The number of days in a month of a year (February 29 in a leap year).
unsigned days_in_month(int year, unsigned month);

/// `periods` and `returns` count the returns of a rule's own data (see docs/language.md), not
/// time: `for 2 returns` holds on two returns in a row, `after 2 periods` two returns later.
enum class DurationUnit : std::uint8_t { days, weeks, months, years, periods, returns };

/// An amount of time as written: `14 days`, `6 weeks`, `3 months`, `2 years`, `2 periods`,
/// `2 returns`. Months and years are calendar units: they are applied to a date, never
/// converted to days.
struct Duration {
  std::int64_t amount = 0;
  DurationUnit unit = DurationUnit::days;
  friend bool operator==(const Duration&, const Duration&) = default;
};

std::string_view to_string(DurationUnit unit);
/// "14 days", "1 year".
std::string to_string(const Duration& duration);

/// True for the units that count returns rather than time (`periods`, `returns`).
bool counts_returns(DurationUnit unit);

/// The day a calendar duration is complete when it starts on `date`: the same day of the month
/// N months or years on, or, when that month is too short to have it, the first day of the
/// month after (a plan begun on 29 Feb 2020 is two years old on 1 Mar 2022; one begun on
/// 30 Nov 2020 is three months old on 1 Mar 2021), as an age in completed months is counted.
/// Days and weeks add whole days. Returns nullopt for the units that count returns.
std::optional<Date> add(Date date, const Duration& duration);

/// `date` moved back by a calendar duration, for looking back over history: month arithmetic
/// clamps to the month's last day (31 May minus 3 months is 28 or 29 Feb). Returns nullopt for
/// the units that count returns.
std::optional<Date> subtract(Date date, const Duration& duration);

/// True when at least `duration` of calendar time separates `from` and `to`, that is
/// `to >= add(from, duration)`. `2 years` from 2019-02-04 is reached on 2021-02-04, not a day
/// before.
bool at_least(Date from, Date to, const Duration& duration);

/// An approximate length in days of a calendar duration (a year 365.25 days, a month 30.44),
/// for tolerances and retention, never for deciding whether a duration has passed. 0 for the
/// units that count returns.
double approximate_days(const Duration& duration);

}  // namespace bandwatch
