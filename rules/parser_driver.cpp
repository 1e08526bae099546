// The parser's entry points, parse() and parse_expression() (rules/parser.hpp): the text scanned
// first for comments and runaway nesting, then the grammar run one top-level block at a time,
// each error a Diagnostic and parsing resumed at the next line that starts a block.
#include "rules/parser.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "parser_internal.hpp"

namespace bandwatch {

using namespace parsing;

namespace {

/// Guards the recursive rules (parentheses) against stack exhaustion on hostile input.
constexpr int kMaxNesting = 64;

struct Scan {
  std::vector<ast::Comment> comments;
  std::optional<ast::Location> too_deep;
};

// One pass over the text outside strings: comments for the formatter, and nesting depth.
Scan scan(std::string_view source, const Locator& locator) {
  Scan result;
  int depth = 0;
  bool line_has_code = false;
  for (std::size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\n') {
      line_has_code = false;
    } else if (c == '"') {
      line_has_code = true;
      for (++i; i < source.size() && source[i] != '"' && source[i] != '\n'; ++i)
        if (source[i] == '\\') ++i;
      if (i < source.size() && source[i] == '\n') line_has_code = false;
    } else if (c == '#') {
      std::size_t end = source.find('\n', i);
      if (end == std::string_view::npos) end = source.size();
      std::string text(source.substr(i, end - i));
      if (!text.empty() && text.back() == '\r') text.pop_back();
      result.comments.push_back({locator.exact(source.data() + i), std::move(text), !line_has_code});
      i = end - 1;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      line_has_code = true;
      if (c == '(') {
        if (++depth > kMaxNesting && !result.too_deep)
          result.too_deep = locator.exact(source.data() + i);
      } else if (c == ')') {
        depth = std::max(0, depth - 1);
      }
    }
  }
  return result;
}

// Skips to the start of the next line that begins with a block keyword.
Iterator recover(Iterator from, Iterator end) {
  Iterator line = from;
  while (line < end) {
    line = std::find(line, end, '\n');
    if (line == end) return end;
    ++line;
    for (std::string_view keyword : kBlockKeywords) {
      if (static_cast<std::size_t>(end - line) >= keyword.size() &&
          std::string_view(line, keyword.size()) == keyword &&
          (line + keyword.size() == end ||
           !(std::isalnum(static_cast<unsigned char>(line[keyword.size()])) || line[keyword.size()] == '_')))
        return line;
    }
  }
  return end;
}

/// The grammar's error as a diagnostic; `block` is where the block being read starts, or null.
Diagnostic diagnostic_of(const GrammarError& error, std::string_view file, const Locator& locator, Iterator block) {
  if (error.kind == GrammarError::Kind::expectation)
    return expectation_error(file, locator, error.where, error.text, block);
  return error_at(file, locator, error.where, error.text);
}

}  // namespace

ParseResult parse(std::string_view source, std::string_view file_name) {
  ParseResult result;
  result.file.path = std::string(file_name);
  Locator locator(source);
  Scan scanned = scan(source, locator);
  result.file.comments = std::move(scanned.comments);
  if (scanned.too_deep) {
    result.diagnostics.push_back({std::string(file_name), *scanned.too_deep, Severity::error,
                                  "expression nested more than " + std::to_string(kMaxNesting) +
                                      " parentheses deep"});
    return result;
  }

  Iterator first = locator.begin();
  Iterator last = locator.end();
  while (true) {
    first = skip_blank(first, last);
    if (first == last) break;
    Iterator start = first;
    GrammarOutcome outcome = parse_block(word_at(start, last), first, last, locator, result.file.items);
    if (outcome.error) {
      result.diagnostics.push_back(diagnostic_of(*outcome.error, file_name, locator, start));
      first = recover(std::max(start, outcome.error->where), last);
    } else if (!outcome.matched) {
      result.diagnostics.push_back(error_at(file_name, locator, start, not_a_block(locator, start)));
      first = recover(start, last);
    }
  }
  return result;
}

ParseResult parse_expression(std::string_view source, ast::Expr& out) {
  ParseResult result;
  Locator locator(source);
  Scan scanned = scan(source, locator);
  if (scanned.too_deep) {
    result.diagnostics.push_back({"<expression>", *scanned.too_deep, Severity::error,
                                  "expression nested too deeply"});
    return result;
  }
  Iterator first = locator.begin();
  Iterator last = locator.end();
  GrammarOutcome outcome = parse_one_expression(first, last, locator, out);
  if (outcome.error) {
    result.diagnostics.push_back(diagnostic_of(*outcome.error, "<expression>", locator, nullptr));
    return result;
  }
  if (!outcome.matched) {
    result.diagnostics.push_back(error_at("<expression>", locator, first, "expected an expression"));
    return result;
  }
  first = skip_blank(first, last);
  if (first != last)
    result.diagnostics.push_back(error_at("<expression>", locator, first,
                                          "unexpected " + describe_token(first, last)));
  return result;
}

}  // namespace bandwatch
