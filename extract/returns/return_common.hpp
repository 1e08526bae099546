// What the built-in returns share: the children of a return and which are held back, the
// reporting of problems as `file:line: message`, the collection year's dates, and file
// discovery. Internal to extract/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "extract/holidays.hpp"
#include "extract/importer.hpp"
#include "extract/returns.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::extract::returns {

inline constexpr std::uint32_t kNoChild = static_cast<std::uint32_t>(-1);

/// The collection year ending 31 March `year`: 1 April year-1 to 31 March year.
struct CollectionYear {
  int year = 0;
  Date start;
  Date end;
  explicit CollectionYear(int y)
      : year(y), start(Date::from_ymd(y - 1, 4, 1)), end(Date::from_ymd(y, 3, 31)) {}
  bool contains(Date date) const { return date >= start && date <= end; }
};

/// The children of a return, by identifier, with whether each is held back.
class ChildRegistry {
 public:
  std::uint32_t intern(std::string_view id);
  std::size_t size() const { return ids_.size(); }
  const std::string& id(std::uint32_t child) const { return ids_[child]; }
  bool held_back(std::uint32_t child) const { return child == kNoChild || held_back_[child]; }
  void hold_back(std::uint32_t child) {
    if (child != kNoChild) held_back_[child] = true;
  }
  std::size_t held_back_count() const;
  /// The children in identifier order (for output that does not depend on file order).
  std::vector<std::uint32_t> sorted() const;

 private:
  std::unordered_map<std::string, std::uint32_t> index_;
  std::vector<std::string> ids_;
  std::vector<bool> held_back_;
};

/// Problems, phrased `file:line: message`, to the import's reporter.
class Problems {
 public:
  explicit Problems(const ImportReporter& reporter) : reporter_(reporter) {}
  void report(std::string_view file, std::size_t line, std::string_view message) const;
  void note(std::string_view file, std::string_view message) const;

 private:
  const ImportReporter& reporter_;
};

/// The rows of one table file, with the child of each (kNoChild: none could be read), for
/// counting the rows held back once the gate has run.
struct TableRows {
  std::string file;
  std::string table;
  std::vector<std::uint32_t> children;
};

/// The counts of `rows` for the summary, given who is held back.
TableCounts count_rows(const TableRows& rows, const ChildRegistry& children);

/// `paths` expanded: directories to the *.csv (or `extension`) files in them, sorted.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths, std::string_view extension,
                                      std::vector<std::string>& missing);

/// Reads a whole file; false if it cannot be read.
bool read_whole_file(const std::string& path, std::string& text);

/// Completed years of age on `on` for someone born on `born`.
int age_on(Date born, Date on);

/// The working day `count` working days after `from` (Monday + 5 = next Monday); nullopt when the
/// calendar does not cover the span.
std::optional<Date> add_working_days(const HolidayCalendar& calendar, Date from, int count);

/// `date` moved to the first of its month (--degrade, as regional pooling degrades dates of birth).
Date first_of_month(Date date);

/// A postcode cut to its outward code and sector ("SW1A 1AA" -> "SW1A 1"), as regional pooling
/// keeps them; text that is not a postcode is cut to its first word.
std::string short_postcode(std::string_view postcode);

/// "2024": the year as layouts are named in messages.
std::string year_label(int year);

}  // namespace bandwatch::extract::returns
