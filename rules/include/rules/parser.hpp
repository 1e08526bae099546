// The one entry point to the `.bw` parser. Spirit X3 stays behind this header.
#pragma once

#include <string_view>
#include <vector>

#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch {

struct ParseResult {
  ast::File file;                        // every item that parsed, even when others failed
  std::vector<Diagnostic> diagnostics;   // syntax errors; parsing resumes at the next block
  bool ok() const { return !has_errors(diagnostics); }
};

/// Parses one rules file. Never throws on bad input: a syntax error becomes a Diagnostic and
/// parsing resumes at the next line that starts a top-level block (metric, indicator, rule, ...).
ParseResult parse(std::string_view source, std::string_view file_name);

/// Parses a single expression (used by tests and tools).
ParseResult parse_expression(std::string_view source, ast::Expr& out);

}  // namespace bandwatch
