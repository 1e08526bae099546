// The wording of syntax errors (parser_internal.hpp): the token the parser stopped at, "expected
// X, found Y", and a did-you-mean from the words that could have come there. Mistakes authors are
// known to make get plainer words from syntax_hints.cpp first.
#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

#include "parser_internal.hpp"
#include "syntax_hints.hpp"

namespace bandwatch::parsing {
namespace {

/// The words listed in parentheses in an expectation's description: the keywords that could
/// have come here, for a did-you-mean.
std::vector<std::string> listed_words(const std::string& expected) {
  std::vector<std::string> words;
  if (expected.size() > 2 && expected.front() == '\'' && expected.back() == '\'')
    return {expected.substr(1, expected.size() - 2)};
  // "'higher' or 'lower'": every quoted word.
  for (std::size_t open = expected.find('\''); open != std::string::npos;) {
    std::size_t close = expected.find('\'', open + 1);
    if (close == std::string::npos) break;
    std::string word = expected.substr(open + 1, close - open - 1);
    if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
      words.push_back(word);
    open = expected.find('\'', close + 1);
  }
  if (!words.empty()) return words;
  std::size_t open = expected.find('(');
  std::size_t close = expected.find(')', open);
  if (open == std::string::npos || close == std::string::npos) return words;
  std::string inside = expected.substr(open + 1, close - open - 1);
  std::string word;
  for (char c : inside + ",") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word += c;
    } else {
      if (!word.empty()) words.push_back(word);
      word.clear();
    }
  }
  return words;
}

}  // namespace

std::string describe_token(Iterator where, Iterator end) {
  while (where < end && (*where == ' ' || *where == '\t' || *where == '\r')) ++where;
  if (where == end) return "end of file";
  if (*where == '\n') return "end of line";
  Iterator stop = where;
  if (*stop == '"') {
    stop = std::find(stop + 1, end, '\n');
    Iterator close = std::find(where + 1, stop, '"');
    stop = close == stop ? stop : close + 1;
  } else if (std::isalnum(static_cast<unsigned char>(*stop)) || *stop == '_') {
    while (stop < end && (std::isalnum(static_cast<unsigned char>(*stop)) || *stop == '_' || *stop == '.'))
      ++stop;
  } else {
    ++stop;
  }
  return "'" + std::string(where, stop) + "'";
}

std::string word_at(Iterator where, Iterator end) {
  Iterator stop = where;
  while (stop < end && (std::isalnum(static_cast<unsigned char>(*stop)) || *stop == '_')) ++stop;
  return std::string(where, stop);
}

std::string unknown_frame(const std::string& word) {
  std::string message = "expected a frame (year_to_date/YD, rolling_year/RY, quarter/Q, month, "
                        "end_of_period/EP, snapshot), found '" + word + "'";
  std::string suggestion = did_you_mean(word, {"year_to_date", "YD", "rolling_year", "RY", "quarter", "Q",
                                               "month", "end_of_period", "EP", "snapshot"});
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  return message;
}

std::string unknown_unit(const std::string& word) {
  std::string message = "unknown unit '" + word +
                        "'; the units are percent, count, days, rate_per_10k, gbp, fte, number";
  std::string suggestion = did_you_mean(word, {"percent", "count", "days", "rate_per_10k", "gbp", "fte", "number"});
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  return message;
}

Diagnostic error_at(std::string_view file, const Locator& locator, Iterator where, std::string message) {
  return Diagnostic{std::string(file), locator.at(where), Severity::error, std::move(message)};
}

Diagnostic expectation_error(std::string_view file, const Locator& locator, Iterator where,
                             const std::string& expected, Iterator block) {
  // Report the position of the offending token, not the blank before it; but a string left
  // open is reported where its line ends.
  ast::Location loc = expected == "'\"'" ? locator.exact(where) : locator.at(where);
  Iterator token = skip_blank(where, locator.end());
  std::string_view source(locator.begin(), static_cast<std::size_t>(locator.end() - locator.begin()));
  SyntaxStop stop{source, static_cast<std::size_t>(token - locator.begin()), expected,
                  block ? static_cast<std::size_t>(block - locator.begin()) : std::string_view::npos};
  if (std::optional<std::string> explained = explain_syntax_error(stop))
    return Diagnostic{std::string(file), loc, Severity::error, std::move(*explained)};
  std::string message = "expected " + expected + ", found " + describe_token(token, locator.end());
  std::string word = word_at(token, locator.end());
  if (!word.empty()) {
    std::string suggestion = did_you_mean(word, listed_words(expected));
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  }
  return Diagnostic{std::string(file), loc, Severity::error, std::move(message)};
}

std::string not_a_block(const Locator& locator, Iterator start) {
  Iterator last = locator.end();
  std::string_view source(locator.begin(), static_cast<std::size_t>(last - locator.begin()));
  std::string message = "expected a block (metric, indicator, benchmark, route, rule, extract, test), found " +
                        describe_token(start, last);
  SyntaxStop stop{source, static_cast<std::size_t>(start - locator.begin()), "a block (", std::string_view::npos};
  if (std::optional<std::string> explained = explain_syntax_error(stop)) message = std::move(*explained);
  std::string suggestion = did_you_mean(word_at(start, last), {std::begin(kBlockKeywords), std::end(kBlockKeywords)} );
  if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
  return message;
}

}  // namespace bandwatch::parsing
