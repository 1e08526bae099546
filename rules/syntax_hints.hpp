// Internal to the rules front end: plain-words explanations of the syntax mistakes rule authors
// actually make. The grammar knows what it expected; these know what the author probably meant
// (a hyphen in a name, `=` for `==`, `between`, `2 fortnights`, `90-94%` in a band) and say the
// real problem and the fix. Pure text work, kept out of parser.cpp so the Spirit X3 translation
// unit stays small and these can be tested on their own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bandwatch {

/// Where the parser stopped, and what it was reading.
struct SyntaxStop {
  std::string_view source;     // the whole file
  std::size_t offset = 0;      // the first character of the token the parser could not take
  std::string_view expected;   // the grammar's description of what it wanted ("a name", ...)
  std::size_t block_offset = std::string_view::npos;  // where the block being read starts
};

/// A message naming the real problem and its fix, when the mistake is one of those known;
/// nullopt to keep the grammar's own "expected X, found Y".
std::optional<std::string> explain_syntax_error(const SyntaxStop& stop);

/// For a number written where a duration belongs (`2 fortnights`, `3 yrs`, `6`): what to write
/// instead. `word` is the word after the number on the same line, empty when there is none.
std::string explain_duration(std::string_view number, std::string_view word);

}  // namespace bandwatch
