#include "extract/dates.hpp"

#include <array>

#include "text.hpp"

namespace bandwatch::extract {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Reads a run of digits at text[pos]; returns the count read (0 = none) and the value.
std::size_t read_number(std::string_view text, std::size_t pos, int& value) {
  std::size_t end = pos;
  value = 0;
  while (end < text.size() && is_digit(text[end]) && end - pos < 9) value = value * 10 + (text[end++] - '0');
  return end - pos;
}

bool days_in_month_ok(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last = month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
  return day <= last;
}

// A trailing time of day: " 00:00", " 09:30:15", "T09:30:00", "T09:30:00Z", " 00:00:00.000".
bool is_time_suffix(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest[0] != ' ' && rest[0] != 'T') return false;
  rest = trim(rest.substr(1));
  if (rest.empty()) return false;
  for (char c : rest)
    if (!is_digit(c) && c != ':' && c != '.' && c != 'Z' && c != '+' && c != '-') return false;
  return is_digit(rest[0]) && rest.find(':') != std::string_view::npos;
}

// English month names and their three-letter abbreviations ("Sept" too).
int month_from_name(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kNames = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (name.size() < 3) return 0;
  std::string lower;
  for (char c : name) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    std::string_view full = kNames[i];
    if (lower == full || lower == full.substr(0, 3) || (i == 8 && lower == "sept"))
      return static_cast<int>(i + 1);
  }
  return 0;
}

DateParse fail(std::string reason) { return DateParse{std::nullopt, std::move(reason)}; }

DateParse make(int year, int month, int day, std::string_view text) {
  if (!days_in_month_ok(year, month, day))
    return fail("\"" + std::string(text) + "\" is not a real date");
  return DateParse{Date::from_ymd(year, static_cast<unsigned>(month), static_cast<unsigned>(day)),
                   {}};
}

}  // namespace

std::optional<DateOrder> date_order_from_format(std::string_view format) {
  std::string key = header_key(format);  // "dd/mm/yyyy" -> "ddmmyyyy"
  if (key == "ddmmyyyy" || key == "dmyyyy" || key == "yyyymmdd") return DateOrder::day_first;
  if (key == "mmddyyyy" || key == "mdyyyy") return DateOrder::month_first;
  return std::nullopt;
}

std::optional<Date> from_excel_serial(long serial) {
  if (serial < 1 || serial > 2958465 || serial == 60) return std::nullopt;
  // Excel counts 1900 as a leap year (after Lotus 1-2-3): serial 1 is 01/01/1900, serial 61 is
  // 01/03/1900, so serials from 61 are days since 30/12/1899 and those below since 31/12/1899.
  Date base = Date::from_ymd(1899, 12, serial >= 61 ? 30 : 31);
  return Date{static_cast<std::int32_t>(base.days_since_epoch + serial)};
}

DateParse parse_date(std::string_view raw, DateOrder order) {
  std::string_view text = trim(raw);
  if (text.empty()) return fail("blank, expected a date");

  int first = 0;
  std::size_t n1 = read_number(text, 0, first);

  // Excel serial: digits only, perhaps a fraction (time of day).
  if (n1 > 0 && n1 <= 7 && (n1 == text.size() || text[n1] == '.')) {
    bool fraction_ok = true;
    for (std::size_t i = n1 + 1; i < text.size(); ++i) fraction_ok = fraction_ok && is_digit(text[i]);
    if (fraction_ok) {
      if (std::optional<Date> date = from_excel_serial(first)) return DateParse{date, {}};
      return fail("\"" + std::string(text) + "\" is not a date (nor an Excel date serial number)");
    }
  }
  if (n1 == 0) return fail("\"" + std::string(text) + "\" is not a date");

  std::size_t pos = n1;
  if (pos >= text.size()) return fail("\"" + std::string(text) + "\" is not a date");
  char sep = text[pos];

  // d Mon yyyy / dd-Mon-yyyy
  if ((sep == ' ' || sep == '-' || sep == '/') && pos + 1 < text.size() && is_alpha(text[pos + 1])) {
    std::size_t name_end = pos + 1;
    while (name_end < text.size() && is_alpha(text[name_end])) ++name_end;
    int month = month_from_name(text.substr(pos + 1, name_end - pos - 1));
    if (month == 0 || name_end >= text.size() || text[name_end] != sep || n1 > 2)
      return fail("\"" + std::string(text) + "\" is not a date");
    int year = 0;
    std::size_t n3 = read_number(text, name_end + 1, year);
    if (n3 == 2) return fail("\"" + std::string(text) + "\" has a two-digit year");
    if (n3 != 4 || !is_time_suffix(text.substr(name_end + 1 + n3)))
      return fail("\"" + std::string(text) + "\" is not a date");
    return make(year, month, first, text);
  }

  if (sep != '/' && sep != '-' && sep != '.') return fail("\"" + std::string(text) + "\" is not a date");
  int second = 0, third = 0;
  std::size_t n2 = read_number(text, pos + 1, second);
  if (n2 == 0 || n2 > 2 || pos + 1 + n2 >= text.size() || text[pos + 1 + n2] != sep)
    return fail("\"" + std::string(text) + "\" is not a date");
  std::size_t third_at = pos + 2 + n2;
  std::size_t n3 = read_number(text, third_at, third);
  if (n3 == 0 || !is_time_suffix(text.substr(third_at + n3)))
    return fail("\"" + std::string(text) + "\" is not a date");

  if (n1 == 4) {  // yyyy-mm-dd, yyyy/mm/dd
    if (n3 > 2) return fail("\"" + std::string(text) + "\" is not a date");
    return make(first, second, third, text);
  }
  if (n1 > 2) return fail("\"" + std::string(text) + "\" is not a date");
  if (n3 == 2) return fail("\"" + std::string(text) + "\" has a two-digit year");
  if (n3 != 4) return fail("\"" + std::string(text) + "\" is not a date");
  if (order == DateOrder::day_first) return make(third, second, first, text);
  return make(third, first, second, text);
}

}  // namespace bandwatch::extract
