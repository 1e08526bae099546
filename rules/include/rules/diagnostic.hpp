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
/// `source` is the whole text of `diagnostic.file`; pass empty to omit the excerpt. The message
/// and the excerpt are printable(): a NUL or an escape sequence in a file shows as `\x00`.
std::string render(const Diagnostic& diagnostic, std::string_view source);

/// `text` safe to print on a terminal: C0 control characters (NUL, ESC, CR...), DEL, the C1
/// controls (U+0080..U+009F, which some terminals obey as ESC sequences) and bytes that are not
/// UTF-8 written as `\x1b`, `\u009b`, `\xff`; tabs kept, and line breaks with
/// `keep_line_breaks`. Every text output of bandwatch's programs that holds text from a file, the
/// data or the wire goes through it, so the data cannot drive the terminal it is printed on.
std::string printable(std::string_view text, bool keep_line_breaks = false);

bool has_errors(const std::vector<Diagnostic>& diagnostics);

/// The closest candidate to `word` by edit distance, if close enough to be a likely typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace bandwatch
