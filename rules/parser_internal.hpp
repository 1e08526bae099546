// The parser's internals, shared by its files (rules/parser*.cpp) and by nothing else. The
// grammar is in parser.cpp, the one file that includes Spirit X3; what the grammar needs that is
// not grammar lives beside it, in plain C++:
//
//   parser.cpp             the Spirit X3 grammar, and one block or expression run through it
//   parser_driver.cpp      parse() and parse_expression(): blocks one at a time, recovery at the
//                          next block keyword, nesting and comments scanned first
//   parser_positions.cpp   byte positions to lines and columns, blanks and comments skipped
//   parser_literals.cpp    numbers, amounts, percentages, durations and dates from their text
//   parser_tree.cpp        expression and band nodes built from what the grammar matched
//   parser_errors.cpp      the wording of syntax errors: "expected X, found Y", did-you-mean
//
// (syntax_hints.cpp explains the mistakes rule authors are known to make.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::parsing {

using Iterator = const char*;

// ---------------------------------------------------------------------------------------------
// Positions (parser_positions.cpp)

/// Maps byte positions to 1-based line and column; carried through the parse in the context.
class Locator {
 public:
  explicit Locator(std::string_view source);

  /// The location of the first token at or after `where` (skipping blanks and comments, since
  /// X3 reports positions before its pre-skip).
  ast::Location at(Iterator where) const;
  /// The location of `where` itself.
  ast::Location exact(Iterator where) const;

  Iterator begin() const { return source_.data(); }
  Iterator end() const { return source_.data() + source_.size(); }

 private:
  std::string_view source_;
  std::vector<std::uint32_t> line_starts_;
};

/// The first character at or after `where` that is neither blank nor in a comment, as the
/// skipper sees them.
Iterator skip_blank(Iterator where, Iterator end);

// ---------------------------------------------------------------------------------------------
// Errors the grammar's actions find

/// A mistake the grammar can only see in an action (a date that does not exist, an unknown
/// unit, a property given twice). Thrown through X3 and caught where the grammar is run.
struct SemanticError {
  Iterator where;
  std::string message;
};

[[noreturn]] inline void fail(Iterator where, std::string message) {
  throw SemanticError{where, std::move(message)};
}

// ---------------------------------------------------------------------------------------------
// Running the grammar (parser.cpp)

/// Why the grammar stopped: an expectation it could not meet after committing (X3's
/// description of what it expected), or a SemanticError from an action.
struct GrammarError {
  enum class Kind : std::uint8_t { expectation, semantic } kind = Kind::expectation;
  Iterator where = nullptr;
  std::string text;  // expectation: what was expected; semantic: the whole message
};

/// One run of the grammar: whether it matched, or where and why it stopped.
struct GrammarOutcome {
  bool matched = false;
  std::optional<GrammarError> error;
};

/// The top-level blocks, by keyword; the parser resumes at a line starting with one.
inline constexpr std::string_view kBlockKeywords[] = {"metric", "indicator", "benchmark", "route",
                                                      "rule",   "extract",   "test"};

/// Parses the block `keyword` starts (one of kBlockKeywords; any other word matches nothing)
/// from `first`, appending it to `items` and moving `first` past it when it matches.
GrammarOutcome parse_block(std::string_view keyword, Iterator& first, Iterator last,
                           const Locator& locator, std::vector<ast::Item>& items);

/// Parses one expression from `first`, moving `first` past it.
GrammarOutcome parse_one_expression(Iterator& first, Iterator last, const Locator& locator,
                                    ast::Expr& out);

// ---------------------------------------------------------------------------------------------
// Literals (parser_literals.cpp); a mistake throws SemanticError at `where`.

/// Builds a Quantity from the text the grammar matched: `95%`, `£5.293m`, `-3.5`, `2 years`.
ast::Quantity make_quantity(std::string text, Iterator where);
/// A duration where only a duration may come (`14 days`, `2 returns`); `end` is the end of the
/// source, for naming a word meant as a unit.
Duration to_duration(const std::string& text, Iterator where, Iterator end);
/// A date written 2020-02-04 or 04/02/2020.
Date to_date(const std::string& text, Iterator where);

// ---------------------------------------------------------------------------------------------
// Tree nodes (parser_tree.cpp); a mistake throws SemanticError at `where`.

/// Sets a node's depth from its children's, refusing trees deeper than
/// ast::kMaxExpressionDepth.
void refresh_depth(ast::Expr& node, Iterator where);
ast::Expr binary(ast::Op op, ast::Expr lhs, ast::Expr rhs, Iterator where);
/// Applies prefix operators (each a marker node holding only its op, outermost first) to
/// `operand`.
ast::Expr with_prefixes(std::vector<ast::Expr> prefixes, ast::Expr operand, Iterator where);
/// `value in (a, b)`, or `value not in (...)` when `negated`.
ast::Expr in_list(bool negated, ast::Expr value, std::vector<ast::Expr> items, Iterator where);
/// A literal of `kind` (number, date or string) from its text.
ast::Expr literal(ast::ExprKind kind, const std::string& text, ast::Location loc, Iterator where);
bool is_aggregation(std::string_view name);
/// Refuses a `match` pattern that is not a valid regular expression.
void check_pattern(const std::string& pattern, Iterator where);
/// Puts a band's `>= limit` or `< limit` in its lower or upper slot.
void apply_comparison(ast::Band& band, ast::Op op, ast::Bound limit, Iterator where);

// ---------------------------------------------------------------------------------------------
// Wording of syntax errors (parser_errors.cpp)

/// The token at `where` as a message quotes it: 'name', '"text"', 'end of line'.
std::string describe_token(Iterator where, Iterator end);
/// The name-like word starting at `where` (empty when there is none).
std::string word_at(Iterator where, Iterator end);
/// For a frame's spelling that is none: what the frames are, and the nearest one.
std::string unknown_frame(const std::string& word);
/// For a unit's spelling that is none: what the units are, and the nearest one.
std::string unknown_unit(const std::string& word);
Diagnostic error_at(std::string_view file, const Locator& locator, Iterator where, std::string message);
/// An expectation the grammar could not meet, at `where`, in the block starting at `block`
/// (null outside a block), in the words an author can act on.
Diagnostic expectation_error(std::string_view file, const Locator& locator, Iterator where,
                             const std::string& expected, Iterator block);
/// A top-level word that starts no block.
std::string not_a_block(const Locator& locator, Iterator start);

}  // namespace bandwatch::parsing
