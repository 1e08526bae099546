// Reading one table of a statutory return (a CSV file with a known layout) against its
// specification: the header's columns found by name, each row's cells checked (required, a real
// date, a code in the year's list, a whole number), and every problem phrased as the importer
// phrases it (`column "DEC": "31/02/2024" is not a real date`). Internal to extract/.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/calendar.hpp"

namespace bandwatch::extract::returns {

enum class FieldKind : unsigned char { text, date, code, integer };

struct ColumnSpec {
  std::string_view name;
  FieldKind kind = FieldKind::text;
  bool required = false;
  std::vector<std::string_view> codes;  // FieldKind::code: the codes allowed (upper case)
};

struct TableSpec {
  std::string_view name;       // "episodes"
  std::string_view signature;  // a column no other table of the return has ("DECOM")
  std::vector<ColumnSpec> columns;
};

/// One row's cells in the order of the spec's columns: text trimmed and normalised (codes upper
/// case), dates parsed; views valid only during the callback. `errors` holds one message per bad
/// cell ("column \"LS\": \"C9\" is not a legal status code of 2024: ..."), empty when the row is
/// good.
struct CheckedRow {
  std::size_t line = 0;
  std::vector<std::string_view> cells;
  std::vector<std::optional<Date>> dates;
  std::vector<std::string> errors;

  bool blank(std::size_t column) const { return cells[column].empty(); }
};

/// Reads `in` as the table `spec` (the file's first non-blank record is its header). Calls
/// `on_row` for every record after it (blank lines skipped) and `on_problem` for what concerns
/// the file rather than a row (a required column missing: then no row is read and the result is
/// false; a record with bad quoting or the wrong number of cells: reported with its line, not
/// delivered). `year_label` names the layout in messages ("2024").
bool read_table(std::FILE* in, const TableSpec& spec, std::string_view year_label,
                const std::function<void(const CheckedRow&)>& on_row,
                const std::function<void(std::size_t line, const std::string& message)>& on_problem);
bool read_table_text(std::string_view text, const TableSpec& spec, std::string_view year_label,
                     const std::function<void(const CheckedRow&)>& on_row,
                     const std::function<void(std::size_t line, const std::string& message)>& on_problem);

/// The header row of a CSV stream (its first non-blank record), for recognising which table a
/// file holds; empty when there is none. Reads only as far as the header.
std::vector<std::string> read_header(std::FILE* in);
std::vector<std::string> read_header_text(std::string_view text);

}  // namespace bandwatch::extract::returns
