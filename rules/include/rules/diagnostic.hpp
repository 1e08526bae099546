// Diagnostics: what the rules front end tells a rule author, GCC style, so editors can jump to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.hpp"

namespace bandwatch {

enum class Severity : std::uint8_t { error, warning, note };

struct Diagnostic {
  std::string file;
  ast::Location loc;
  Severity severity = Severity::error;
  std::string message;
};

/// `file:line:col: error: message`, then the source line and a caret under the column.
/// `source` is the whole text of `diagnostic.file`; pass empty to omit the excerpt.
std::string render(const Diagnostic& diagnostic, std::string_view source);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

/// The closest candidate to `word` by edit distance, if close enough to be a likely typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace bandwatch
