// Evaluating `extract` blocks: a mapping compiled against one file's header turns each row into
// sample lines (`metric{label="v",...} value yyyy-mm-dd`), or says why the row is bad.
//
// Meaning of an extract expression (see docs/extracts.md):
//  - a string is the column of that name ("Allocated Team"); the items of an `in (...)` list and
//    the results of `match` arms are literal text;
//  - numbers, durations (`6 weeks`), dates (2020-02-04) and `as_of` (the import's as-of date) are
//    constants;
//  - functions: date(x), age(x), days_between(a, b), working_days_between(a, b), is_blank(x),
//    code(x);
//  - `and`/`or` short-circuit, so `is_blank("Visit") or age("Visit") > 6 weeks` is safe;
//  - an age or a days_between compared with months or years is calendar exact: a plan begun on
//    04/02/2019 is `>= 2 years` on 04/02/2021.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/dates.hpp"
#include "extract/header.hpp"
#include "extract/holidays.hpp"
#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::extract {

/// What every row of an import shares.
struct EvalContext {
  Date as_of;
  const HolidayCalendar* holidays = nullptr;  // nullptr: the compiled-in England and Wales one
};

/// One reason a row is bad: the 0-based column it concerns (or npos) and why.
struct RowError {
  std::size_t column = static_cast<std::size_t>(-1);
  std::string reason;
};

/// Problems in a mapping's expressions, found without any file: unknown functions or names,
/// argument counts, regular expressions that do not compile, an unknown date_format. (The rules
/// checker covers the rest: duplicate labels, samples of undeclared or derived metrics.)
std::vector<Diagnostic> check_extract(const ast::ExtractDecl& decl, std::string_view rules_file);

class CompiledExtract {
 public:
  enum class Outcome { imported, filtered, rejected };

  /// Resolves the mapping's columns against `header`. nullopt when a column is missing or
  /// ambiguous, or the mapping is invalid (check_extract), with the reasons in `diagnostics`
  /// (positions in `rules_file`). Columns found by a loose match are reported as notes.
  static std::optional<CompiledExtract> compile(const ast::ExtractDecl& decl,
                                                std::string_view rules_file,
                                                const HeaderIndex& header,
                                                std::string_view data_file,
                                                const EvalContext& context,
                                                std::vector<Diagnostic>& diagnostics);

  CompiledExtract(CompiledExtract&&) noexcept;
  CompiledExtract& operator=(CompiledExtract&&) noexcept;
  ~CompiledExtract();

  /// Evaluates one row (fields in header order). `imported`: the samples' lines are appended to
  /// `out`; `filtered`: a `where` clause is false, nothing appended; `rejected`: `errors` says
  /// why (each column once) and `out` is as it was. Not thread-safe (match results are cached).
  Outcome evaluate(const std::vector<std::string_view>& fields, std::string& out,
                   std::vector<RowError>& errors);

  const std::string& name() const;
  /// Sample lines the last evaluate() appended.
  std::size_t samples_written() const;
  /// The 0-based columns the mapping reads, for diagnostics and tests.
  std::vector<std::size_t> columns_used() const;

 private:
  struct Impl;
  explicit CompiledExtract(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Appends `text` to `out` as the inside of a quoted label value: `\` -> `\\`, `"` -> `\"`,
/// line breaks -> `\n` (a sample is one line).
void append_label_value(std::string& out, std::string_view text);

/// A sample value as text: integers without a decimal point, others as short as exact.
void append_number(std::string& out, double value);

}  // namespace bandwatch::extract
