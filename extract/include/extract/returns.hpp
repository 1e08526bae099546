// The statutory returns councils already produce, read natively: the SSDA903 return (CSV tables,
// one layout per collection year), the children in need census (XML, checked against the year's
// XSD when one is given) and the Ofsted Annex A lists 1-11 (CSV, through built-in `extract`
// blocks). Each gives the measures councils report from it as sample lines, one series per child
// (or per referral, assessment, plan), so the rules aggregate them (`count`, `sum`) and a child
// held back by the data-quality gate simply has no samples.
//
// The data-quality gate: every row is checked (required cells, real dates, codes in the year's
// lists, dates in order, a child's episodes not overlapping, ...). A problem is reported as
// `file:line: column "X": reason` and the child it concerns is held back: none of its rows give
// samples. Each table read also gives the data-quality samples `return_rows_read` and
// `return_rows_held_back`, and each return `return_children_held_back`, so rules can route a
// return whose figures are incomplete (docs/extracts.md, "Data quality").
//
// The metrics every built-in return emits are declared in builtin_metrics() (data/returns/
// metrics.bw): a council's rules must include them (examples/returns/metrics.bw is a copy).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "extract/holidays.hpp"
#include "extract/importer.hpp"
#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::extract {

/// The collection years built in: the years ending 31 March `first` to `last`.
struct YearRange {
  int first = 0;
  int last = 0;
};
YearRange ssda903_years();
YearRange cin_census_years();

/// Counts for one table (one file) of a return.
struct TableCounts {
  std::string file;    // as named in messages
  std::string table;   // "episodes", "cin", "list7"
  std::size_t rows_read = 0;
  std::size_t rows_held_back = 0;  // rows of held-back children, and rows that name no child
};

struct ReturnSummary {
  std::vector<TableCounts> tables;
  std::size_t children = 0;
  std::size_t children_held_back = 0;
  std::size_t samples = 0;
  bool failed = false;  // a file could not be read at all: nothing should be imported

  std::size_t rows_read() const;
  std::size_t rows_held_back() const;
};

struct ReturnOptions {
  int year = 0;          // the collection year: the one ending 31 March `year`
  bool degrade = false;  // dates of birth to the first of their month before any measure
  const HolidayCalendar* holidays = nullptr;  // nullptr: the compiled-in England and Wales one
  std::string xsd;       // CIN census: the year's XSD to validate against; empty: none
};

/// A file of a return, already in memory (tests): its name in messages and its text.
struct NamedText {
  std::string name;
  std::string text;
};

/// Reads an SSDA903 return: `paths` are files or directories (every *.csv in them); each file's
/// table is recognised by its columns. The header and episodes tables are required. Samples are
/// dated 31 March of the collection year. Problems go to `reporter` as they are found.
ReturnSummary import_ssda903(const std::vector<std::string>& paths, const ReturnOptions& options,
                             const SampleSink& sink, const ImportReporter& reporter);
ReturnSummary import_ssda903_texts(const std::vector<NamedText>& files, const ReturnOptions& options,
                                   const SampleSink& sink, const ImportReporter& reporter);

/// Reads a CIN census XML file (one Message) as a stream. With options.xsd set, the file is
/// validated against it as it is read and each invalid element reported with its line; the child
/// it is in is held back. Samples are dated 31 March of the census year.
ReturnSummary import_cin_census(const std::string& path, const ReturnOptions& options,
                                const SampleSink& sink, const ImportReporter& reporter);
ReturnSummary import_cin_census_text(const NamedText& file, const ReturnOptions& options,
                                     const SampleSink& sink, const ImportReporter& reporter);

/// The Annex A list (1-11) a file holds, from its name ("list_7.csv", "List 7 - CP.csv") or, failing
/// that, from a column only that list has; 0 when neither says. `header` is the file's first row.
int annex_a_list_of(std::string_view file_name, const std::vector<std::string>& header);

/// The built-in Annex A mappings (data/returns/annex_a.bw) with the metric declarations, parsed
/// and checked; empty, with the reasons in `diagnostics`, when they do not check (a build defect,
/// which the tests catch).
std::vector<ast::File> builtin_annex_a_program(std::vector<Diagnostic>& diagnostics);
/// The extract blocks of `program` for list `list` (annex_a_list7 and any annex_a_list7_...).
std::vector<ExtractSource> annex_a_extracts(const std::vector<ast::File>& program, int list);
/// The data-quality gate of list `list` for import_csv: date pairs in order, no event dated after
/// the as-of date, the list's coded column in its codes.
std::unique_ptr<RowGate> annex_a_gate(int list, Date as_of);

/// Reads Annex A lists (`paths`: CSV files or directories of them, each list recognised by
/// annex_a_list_of) through the built-in mappings and gates, as of `as_of` (the day they were
/// run). A row the gate faults is held back; a row the mappings cannot read is rejected; both are
/// reported and counted as held back in the table's counts.
ReturnSummary import_annex_a(const std::vector<std::string>& paths, Date as_of, const ReturnOptions& options,
                             const SampleSink& sink, const ImportReporter& reporter);

/// Appends the data-quality samples of `summary` (`return_rows_read`, `return_rows_held_back` per
/// table, `return_children_held_back`) to `out`, dated `as_of`.
void append_quality_samples(std::string& out, std::string_view return_name, const ReturnSummary& summary,
                            Date as_of);

/// The text of data/returns/metrics.bw: every metric the built-in returns emit, and the derived
/// measures over them, as compiled in.
std::string_view builtin_metrics();
/// The text of data/returns/annex_a.bw: the built-in Annex A extract blocks.
std::string_view builtin_annex_a();

/// One line for people: "children 120, held back 3; rows read 980, held back 21; 612 samples".
std::string describe(const ReturnSummary& summary);

}  // namespace bandwatch::extract
