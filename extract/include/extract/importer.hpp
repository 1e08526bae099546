// Importing CSV files through extract mappings: streams each file, checks each row's shape,
// evaluates the mappings and hands sample lines to a sink, reporting every bad row as
// `file:line: column "X": reason`. No row disappears without a count or a message.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/mapping.hpp"
#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::extract {

/// A mapping and the rules file it was written in (for diagnostics).
struct ExtractSource {
  const ast::ExtractDecl* decl = nullptr;
  std::string rules_file;
};

/// The counts of one import. Every record after the header is read and is exactly one of
/// imported, filtered (a `where` is false) or rejected (reported).
struct ImportSummary {
  std::size_t files = 0;
  std::size_t rows_read = 0;
  std::size_t imported = 0;
  std::size_t filtered = 0;
  std::size_t rejected = 0;
  std::size_t held_back = 0;    // rows a RowGate faulted: reported, counted apart from rejected
  std::size_t blank_lines = 0;  // empty lines and all-blank rows: skipped, not rows
  std::size_t samples = 0;
  bool failed = false;  // a file could not be imported at all (missing column, unreadable)

  ImportSummary& operator+=(const ImportSummary& other);
};

/// Where the importer's messages go. `row` is called once per problem with a line ready to
/// print (`list8.csv:17: column "Date of Birth": "31/02/2012" is not a real date`); `diagnostic`
/// for problems with the mapping (missing columns) and notes (loosely matched columns).
struct ImportReporter {
  std::function<void(const std::string& line)> row;
  std::function<void(const Diagnostic& diagnostic)> diagnostic;
};

/// Receives sample lines (each ending in '\n'), in large blocks.
using SampleSink = std::function<void(std::string_view lines)>;

/// A data-quality check run on each well-formed row before the mappings (the built-in returns'
/// gates: dates in order, codes in their lists). A row it faults is held back: reported like a
/// rejected row, and counted in ImportSummary::held_back.
class RowGate {
 public:
  virtual ~RowGate() = default;
  /// Called with the file's header before any row.
  virtual void bind(const HeaderIndex& header) = 0;
  /// Appends one RowError per fault of the row (fields in header order, padded to its width).
  virtual void check(const std::vector<std::string_view>& fields, std::vector<RowError>& errors) = 0;
};

/// Imports one CSV stream through every mapping in `extracts` (all are applied to each row; a
/// row bad for any of them is rejected whole). `display_name` names the file in messages.
/// Memory stays bounded by the longest record and a 1 MiB output buffer. `gate`, when given, is
/// run on each row first.
ImportSummary import_csv(std::FILE* in, std::string_view display_name,
                         const std::vector<ExtractSource>& extracts, const EvalContext& context,
                         const SampleSink& sink, const ImportReporter& reporter, RowGate* gate = nullptr);

/// The same over text in memory (tests).
ImportSummary import_csv_text(std::string_view text, std::string_view display_name,
                              const std::vector<ExtractSource>& extracts,
                              const EvalContext& context, const SampleSink& sink,
                              const ImportReporter& reporter, RowGate* gate = nullptr);

/// One line for people: "rows read 120, imported 112, filtered 3, rejected 5 (2 blank lines
/// skipped), 448 samples"; ", held back 2" after the rejected count when a gate held rows back.
std::string describe(const ImportSummary& summary);

}  // namespace bandwatch::extract
