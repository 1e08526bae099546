// Targets kept in a spreadsheet: an analyst's sheet (CSV as Excel saves it) of indicators, their
// polarity, green/amber/red bands, effective dates and benchmark values, turned into formatted,
// checked `.bw` indicator and benchmark blocks, and those blocks written back as a sheet.
//
// The sheet has a header row; the columns are found by name (case, spaces and punctuation do not
// matter) and may come in any order. One row is one band set of an indicator:
//
//   indicator   the indicator's name (required)              green, amber, red   a band each, as
//   unit        percent, count, days, ... (required)           the language writes it after the
//   polarity    higher or lower: which is better (required)    colour: `>= 95%`, `90% .. 94%`,
//   effective from  the date the bands are in force from       `>= 90% and < 95%`; blank: no band
//   where       the label condition that scopes the bands      of that colour
//   title, group, frame, round, cohort, expect every, last year, note, routes (comma separated)
//   benchmark NAME   the indicator's value in benchmark NAME (`benchmark england`)
//
// Several rows of one indicator give its band sets in sheet order; its other cells may be left
// blank on all but one row, or repeated, but not differ. Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.hpp"

namespace bandwatch::extract {

/// One thing wrong with the sheet: the 1-based line of the row (of the file: a row with a line
/// break in a cell spans several) and the column it is about ("" for the whole row or file).
struct SheetProblem {
  std::size_t line = 0;
  std::string column;
  std::string message;
};

struct TargetsFromSheet {
  std::string text;  // the `.bw` file, formatted as `bandwatch fmt` writes it; empty on problems
  std::size_t indicators = 0;
  std::size_t band_sets = 0;
  std::size_t benchmarks = 0;
  std::vector<SheetProblem> problems;  // in sheet order
  bool ok() const { return problems.empty(); }
};

/// Reads the sheet `csv` (its bytes) and writes the blocks it gives. `sheet` names it in the
/// text's header comment; `output_name` is the name the checker is told the file has. Each row
/// must make a consistent band set: every cell reads as the language writes it, the bands are
/// in the indicator's unit, leave no gap and do not overlap (as `bandwatch check` warns), and
/// with polarity higher green lies above amber and amber above red (lower: the other way); a
/// row that does not is reported by its line, and nothing is written. The blocks are checked
/// together with `context` (the rest of the council's rules, so labels in `where`, cohort metrics
/// and routes resolve), from which the indicators and benchmarks the sheet gives are left out:
/// the sheet replaces them, and an error that replacing them causes elsewhere in `context` (a
/// rule reading a benchmark value the sheet's block lacks) is reported too, at line 0.
TargetsFromSheet targets_from_sheet(std::string_view csv, std::string_view sheet, std::string_view output_name,
                                    const std::vector<ast::File>& context);

struct SheetFromTargets {
  std::string csv;
  /// Benchmark values a sheet cannot carry, being no indicator's of `files`, as
  /// "benchmark england: care_leavers_19_21_eet 53%": they stay in a `.bw` file.
  std::vector<std::string> left_out;
};

/// The sheet of every indicator and benchmark value in `files`, one row per band set (an
/// indicator without bands: one row), with the columns above (only those some row uses), CRLF
/// line ends as Excel writes them. targets_from_sheet() reads it back to the same blocks.
SheetFromTargets sheet_from_targets(const std::vector<ast::File>& files);

}  // namespace bandwatch::extract
