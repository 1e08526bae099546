#include "return_common.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "extract/mapping.hpp"

namespace bandwatch::extract {

std::size_t ReturnSummary::rows_read() const {
  std::size_t total = 0;
  for (const TableCounts& table : tables) total += table.rows_read;
  return total;
}

std::size_t ReturnSummary::rows_held_back() const {
  std::size_t total = 0;
  for (const TableCounts& table : tables) total += table.rows_held_back;
  return total;
}

std::string describe(const ReturnSummary& summary) {
  std::string text;
  if (summary.children > 0)
    text = "children " + std::to_string(summary.children) + ", held back " +
           std::to_string(summary.children_held_back) + "; ";
  text += "rows read " + std::to_string(summary.rows_read()) + ", held back " +
                     std::to_string(summary.rows_held_back()) + "; " + std::to_string(summary.samples) +
                     (summary.samples == 1 ? " sample" : " samples");
  return text;
}

void append_quality_samples(std::string& out, std::string_view return_name, const ReturnSummary& summary,
                            Date as_of) {
  std::string date = as_of.iso();
  auto line = [&](std::string_view metric, std::string_view table, bool with_table, std::size_t value) {
    out += metric;
    out += "{return=\"";
    append_label_value(out, return_name);
    out += '"';
    if (with_table) {
      out += ",table=\"";
      append_label_value(out, table);
      out += '"';
    }
    out += "} " + std::to_string(value) + " " + date + "\n";
  };
  // A table split over several files is one series: add its files up.
  std::vector<TableCounts> tables;
  for (const TableCounts& counts : summary.tables) {
    auto same = std::find_if(tables.begin(), tables.end(), [&](const TableCounts& t) { return t.table == counts.table; });
    if (same == tables.end()) {
      tables.push_back(counts);
    } else {
      same->rows_read += counts.rows_read;
      same->rows_held_back += counts.rows_held_back;
    }
  }
  for (const TableCounts& table : tables) {
    line("return_rows_read", table.table, true, table.rows_read);
    line("return_rows_held_back", table.table, true, table.rows_held_back);
  }
  // The Annex A lists are row by row: only the returns read child by child say how many were held back.
  if (summary.children > 0) line("return_children_held_back", "", false, summary.children_held_back);
}

namespace returns {

std::uint32_t ChildRegistry::intern(std::string_view id) {
  auto [it, added] = index_.try_emplace(std::string(id), static_cast<std::uint32_t>(ids_.size()));
  if (added) {
    ids_.emplace_back(id);
    held_back_.push_back(false);
  }
  return it->second;
}

std::size_t ChildRegistry::held_back_count() const {
  return static_cast<std::size_t>(std::count(held_back_.begin(), held_back_.end(), true));
}

std::vector<std::uint32_t> ChildRegistry::sorted() const {
  std::vector<std::uint32_t> order(ids_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) { return ids_[a] < ids_[b]; });
  return order;
}

void Problems::report(std::string_view file, std::size_t line, std::string_view message) const {
  if (!reporter_.row) return;
  std::string text(file);
  if (line > 0) text += ":" + std::to_string(line);
  text += ": ";
  text += message;
  reporter_.row(text);
}

void Problems::note(std::string_view file, std::string_view message) const {
  if (!reporter_.row) return;
  reporter_.row(std::string(file) + ": note: " + std::string(message));
}

TableCounts count_rows(const TableRows& rows, const ChildRegistry& children) {
  TableCounts counts;
  counts.file = rows.file;
  counts.table = rows.table;
  counts.rows_read = rows.children.size();
  for (std::uint32_t child : rows.children)
    if (children.held_back(child)) ++counts.rows_held_back;
  return counts;
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths, std::string_view extension,
                                      std::vector<std::string>& missing) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(path, error)) {
        if (!entry.is_regular_file()) continue;
        std::string ext = entry.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
        if (ext == extension) found.push_back(entry.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, error)) {
      files.push_back(path);
    } else {
      missing.push_back(path);
    }
  }
  return files;
}

bool read_whole_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return !in.bad();
}

int age_on(Date born, Date on) {
  int age = on.year() - born.year();
  if (on.month() < born.month() || (on.month() == born.month() && on.day() < born.day())) --age;
  return age;
}

std::optional<Date> add_working_days(const HolidayCalendar& calendar, Date from, int count) {
  Date day = from;
  int left = count;
  while (left > 0) {
    ++day.days_since_epoch;
    if (!calendar.covers(day)) return std::nullopt;
    if (calendar.is_working_day(day)) --left;
  }
  return day;
}

Date first_of_month(Date date) { return Date::from_ymd(date.year(), date.month(), 1); }

std::string short_postcode(std::string_view postcode) {
  std::string compact;
  for (char c : postcode)
    if (c != ' ' && c != '\t') compact.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  // An inward code is a digit and two letters: keep the outward code and the digit.
  if (compact.size() >= 5 && compact.size() <= 7) {
    std::size_t n = compact.size();
    bool inward = compact[n - 3] >= '0' && compact[n - 3] <= '9' && std::isalpha(static_cast<unsigned char>(compact[n - 2])) &&
                  std::isalpha(static_cast<unsigned char>(compact[n - 1]));
    if (inward) return compact.substr(0, n - 3) + " " + compact[n - 3];
  }
  std::size_t space = postcode.find(' ');
  return std::string(postcode.substr(0, space));
}

std::string year_label(int year) { return std::to_string(year); }

}  // namespace returns
}  // namespace bandwatch::extract
