// Plain-words explanations of syntax mistakes (see syntax_hints.hpp). Each rule below comes from
// a mistake seen when analysts wrote rules from their councils' published tables.
#include "syntax_hints.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace bandwatch {
namespace {

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return std::string(text);
}

/// The word (letters, digits, '_') starting at `at`, or empty.
std::string_view word_at(std::string_view s, std::size_t at) {
  std::size_t end = at;
  while (end < s.size() && is_word(s[end])) ++end;
  return s.substr(at, end - at);
}

/// The token at `at`: a word, a quoted string, a run of operator characters, or one character.
std::string_view token_at(std::string_view s, std::size_t at) {
  if (at >= s.size()) return {};
  if (is_word(s[at])) return word_at(s, at);
  if (s[at] == '"' || s[at] == '\'') {
    std::size_t close = s.find_first_of(std::string_view(&s[at], 1), at + 1);
    std::size_t eol = s.find('\n', at);
    if (close == std::string_view::npos || close > eol) return s.substr(at, std::min(eol, s.size()) - at);
    return s.substr(at, close + 1 - at);
  }
  static constexpr std::string_view kOperators = "=<>!&|";
  std::size_t end = at;
  while (end < s.size() && kOperators.find(s[end]) != std::string_view::npos) ++end;
  if (end == at) end = at + 1;
  return s.substr(at, end - at);
}

std::size_t line_start(std::string_view s, std::size_t at) {
  std::size_t nl = at == 0 ? std::string_view::npos : s.rfind('\n', at - 1);
  return nl == std::string_view::npos ? 0 : nl + 1;
}

std::size_t line_end(std::string_view s, std::size_t at) {
  std::size_t nl = s.find('\n', at);
  return nl == std::string_view::npos ? s.size() : nl;
}

std::size_t line_number(std::string_view s, std::size_t at) {
  return static_cast<std::size_t>(std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(std::min(at, s.size())), '\n')) + 1;
}

/// The text of the current line before `at`, without a comment.
std::string_view before_on_line(std::string_view s, std::size_t at) {
  std::size_t start = line_start(s, at);
  return s.substr(start, at - start);
}

/// The text of the current line from `at`, without a trailing comment.
std::string_view rest_of_line(std::string_view s, std::size_t at) {
  std::size_t end = line_end(s, at);
  std::string_view rest = s.substr(at, end - at);
  bool in_string = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '"') in_string = !in_string;
    if (rest[i] == '#' && !in_string) return rest.substr(0, i);
  }
  return rest;
}

/// The rest of a line without the '}' that closes a block written on one line.
std::string without_close(std::string_view rest) {
  std::string text = trim(rest);
  auto count = [&](char c) { return std::count(text.begin(), text.end(), c); };
  while (!text.empty() && text.back() == '}' && count('}') > count('{')) text = trim(std::string_view(text).substr(0, text.size() - 1));
  return text;
}

/// The word before `at` on its line, skipping blanks.
std::string_view previous_word(std::string_view s, std::size_t at) {
  std::size_t start = line_start(s, at);
  std::size_t end = at;
  while (end > start && is_blank(s[end - 1])) --end;
  std::size_t begin = end;
  while (begin > start && is_word(s[begin - 1])) --begin;
  return s.substr(begin, end - begin);
}

/// The word before `at`, across line breaks and comments.
std::string_view previous_word_anywhere(std::string_view s, std::size_t at) {
  std::size_t end = at;
  for (;;) {
    while (end > 0 && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
    std::size_t start = line_start(s, end);
    std::size_t hash = s.substr(start, end - start).find('#');
    if (hash == std::string_view::npos || end == 0) break;
    end = start + hash;  // a comment: look before it
  }
  std::size_t begin = end;
  while (begin > 0 && is_word(s[begin - 1])) --begin;
  return s.substr(begin, end - begin);
}

/// "rule 'practitioner_caseload' (line 12)", from the block's first words.
std::string block_description(std::string_view s, std::size_t block) {
  if (block == std::string_view::npos || block >= s.size()) return "this block";
  std::string_view keyword = word_at(s, block);
  std::size_t at = block + keyword.size();
  while (at < s.size() && is_blank(s[at])) ++at;
  std::string name;
  if (at < s.size() && s[at] == '"') name = std::string(token_at(s, at));
  else if (std::string_view word = word_at(s, at); !word.empty()) name = "'" + std::string(word) + "'";
  std::string out(keyword);
  if (!name.empty()) out += " " + name;
  return out + " (line " + std::to_string(line_number(s, block)) + ")";
}

bool expects(std::string_view expected, std::string_view what) {
  return expected.find(what) != std::string_view::npos;
}

/// The words of the language that may start a block: a property list expecting one of these
/// never reaches it, so the block before was left open.
bool is_block_keyword(std::string_view word) {
  static constexpr std::array<std::string_view, 7> kBlocks = {"metric", "indicator", "benchmark", "route",
                                                              "rule",   "extract",   "test"};
  return std::find(kBlocks.begin(), kBlocks.end(), word) != kBlocks.end();
}

std::optional<std::string> number_word(std::string_view word) {
  static constexpr std::array<std::string_view, 13> kNumbers = {
      "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"};
  std::string w = lower(word);
  for (std::size_t i = 0; i < kNumbers.size(); ++i)
    if (w == kNumbers[i]) return std::to_string(i);
  return std::nullopt;
}

/// A unit of time as analysts abbreviate or name it, turned into the language's words:
/// the amount multiplier and the unit.
struct TimeWord {
  std::string_view spelling;
  std::int64_t times;
  std::string_view unit;  // plural
};
constexpr TimeWord kTimeWords[] = {
    {"fortnight", 2, "weeks"}, {"fortnights", 2, "weeks"}, {"quarter", 3, "months"}, {"quarters", 3, "months"},
    {"qtr", 3, "months"},      {"qtrs", 3, "months"},      {"yr", 1, "years"},       {"yrs", 1, "years"},
    {"y", 1, "years"},         {"mth", 1, "months"},       {"mths", 1, "months"},    {"mo", 1, "months"},
    {"mos", 1, "months"},      {"m", 1, "months"},         {"wk", 1, "weeks"},       {"wks", 1, "weeks"},
    {"w", 1, "weeks"},         {"d", 1, "days"},           {"dys", 1, "days"},       {"evaluations", 1, "returns"},
    {"evaluation", 1, "returns"}, {"extracts", 1, "returns"}, {"extract", 1, "returns"}, {"hours", 0, ""},
    {"hour", 0, ""},           {"hrs", 0, ""},
};
constexpr std::string_view kTimeUnits[] = {"day", "days", "week", "weeks", "month", "months", "year", "years",
                                           "period", "periods", "return", "returns"};

std::string unit_word(std::int64_t amount, std::string_view plural) {
  std::string unit(plural);
  if (amount == 1 && unit.back() == 's') unit.pop_back();
  return std::to_string(amount) + " " + unit;
}

/// `2 fortnights` -> "4 weeks"; nullopt when the word is no unit of time we know.
std::optional<std::string> translate_time(std::int64_t amount, std::string_view word, bool* not_whole_days) {
  std::string w = lower(word);
  for (const TimeWord& t : kTimeWords) {
    if (w != t.spelling) continue;
    if (t.times == 0) {
      if (not_whole_days) *not_whole_days = true;
      return std::nullopt;
    }
    return unit_word(amount * t.times, t.unit);
  }
  for (std::string_view unit : kTimeUnits)
    if (w == unit) return unit_word(amount, unit.back() == 's' ? unit : std::string(unit) + "s");
  return std::nullopt;
}

/// A number as written in a report (`£5,293,000`, `1,000`, `95 %`), its digits and commas.
std::string strip_commas(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != ',') out += c;
  return out;
}

std::string trimmed_number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6f", value);
  std::string text = buffer;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

/// £5293000 -> "£5.293m" (as the language writes large sums).
std::string money_text(double pounds) {
  if (pounds >= 1e9) return "£" + trimmed_number(pounds / 1e9) + "bn";
  if (pounds >= 1e6) return "£" + trimmed_number(pounds / 1e6) + "m";
  if (pounds >= 1e3) return "£" + trimmed_number(pounds / 1e3) + "k";
  return "£" + trimmed_number(pounds);
}

// ---- bands as reports print them ----

/// One number of a band as printed: `90`, `90%`, `£5m`.
struct Printed {
  std::string number;
  bool percent = false;
};

std::optional<Printed> read_printed(std::string_view& text) {
  std::size_t at = 0;
  while (at < text.size() && is_blank(text[at])) ++at;
  std::size_t start = at;
  if (at < text.size() && text[at] == '-') ++at;
  if (at < text.size() && text.substr(at).starts_with("£")) at += std::string_view("£").size();
  std::size_t digits = at;
  while (at < text.size() && (is_digit(text[at]) || text[at] == '.')) ++at;
  if (at == digits) return std::nullopt;
  Printed p{std::string(text.substr(start, at - start))};
  while (at < text.size() && (text[at] == 'k' || text[at] == 'm' || text[at] == 'b' || text[at] == 'n'))
    p.number += text[at++];
  if (at < text.size() && text[at] == '%') {
    p.percent = true;
    ++at;
  }
  text.remove_prefix(at);
  return p;
}

std::string with_unit(const Printed& p, bool percent) { return p.number + (percent ? "%" : ""); }

/// What a report's band (`90-94%`, `90% to 94%`, `95%+`, `95% or more`) is in the language.
std::optional<std::string> band_as_language(std::string_view colour, std::string_view text) {
  std::string_view rest = text;
  std::optional<Printed> first = read_printed(rest);
  if (!first) return std::nullopt;
  std::string tail = lower(trim(rest));
  auto starts = [&](std::string_view prefix) { return std::string_view(tail).starts_with(prefix); };
  std::string c(colour);
  // A lone trailing % belongs to both numbers: "90-94%".
  auto range = [&](std::string_view after) -> std::optional<std::string> {
    std::string_view more = std::string_view(tail).substr(after.size());
    std::optional<Printed> second = read_printed(more);
    if (!second) return std::nullopt;
    bool percent = first->percent || second->percent;
    return c + " " + with_unit(*first, percent) + " .. " + with_unit(*second, percent);
  };
  if (starts("-") || starts("–")) return range(starts("-") ? "-" : "–");
  if (starts("to ")) return range("to");
  if (starts("+") || starts("or more") || starts("or above") || starts("and above") || starts("or over") ||
      starts("plus"))
    return c + " >= " + with_unit(*first, first->percent);
  if (starts("or less") || starts("or below") || starts("and below") || starts("or under"))
    return c + " <= " + with_unit(*first, first->percent);
  return std::nullopt;
}

/// For `between A and B` after `LHS`: `LHS >= A and LHS <= B`.
std::string between_fix(std::string_view before, std::string_view after) {
  std::string lhs = trim(before);
  for (std::string_view keyword : {"clear when ", "when ", "unless ", "where "}) {
    std::size_t found = lhs.rfind(keyword);
    if (found != std::string::npos) {
      lhs = trim(std::string_view(lhs).substr(found + keyword.size()));
      break;
    }
  }
  // Only the comparison itself: drop what an earlier `and` / `or` joined.
  for (std::string_view joiner : {" and ", " or "}) {
    std::size_t found = lhs.rfind(joiner);
    if (found != std::string::npos) lhs = trim(std::string_view(lhs).substr(found + joiner.size()));
  }
  std::string range = trim(after);
  std::size_t and_at = range.find(" and ");
  if (lhs.empty() || and_at == std::string::npos) return "`x >= 10% and x <= 20%`";
  std::string low = trim(std::string_view(range).substr(0, and_at));
  std::string high = trim(std::string_view(range).substr(and_at + 5));
  // Stop the upper end at the next word of the language on the line.
  std::size_t space = high.find(' ');
  if (space != std::string::npos) high = high.substr(0, space);
  return "`" + lhs + " >= " + low + " and " + lhs + " <= " + high + "`";
}

/// The '(' left open before `at`, within the block: its line and column.
std::optional<std::pair<std::size_t, std::size_t>> open_parenthesis(std::string_view s, std::size_t block,
                                                                      std::size_t at) {
  std::size_t from = block == std::string_view::npos ? 0 : block;
  std::vector<std::size_t> open;
  bool in_string = false;
  for (std::size_t i = from; i < at && i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"' || c == '\n') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '#') {
      while (i < at && s[i] != '\n') ++i;
    } else if (c == '(') {
      open.push_back(i);
    } else if (c == ')' && !open.empty()) {
      open.pop_back();
    }
  }
  if (open.empty()) return std::nullopt;
  return std::pair{line_number(s, open.back()), open.back() - line_start(s, open.back()) + 1};
}

}  // namespace

std::string explain_duration(std::string_view number, std::string_view word) {
  std::int64_t amount = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), amount);
  bool whole = ec == std::errc{} && end == number.data() + number.size();
  std::string n(number);
  // A property on the same line (`for 2 severity amber`) is not a unit the author meant.
  static constexpr std::array<std::string_view, 27> kLanguageWords = {
      "title", "when", "unless", "clear", "severity", "for", "escalate", "route", "message", "to",
      "unit", "labels", "expect", "group", "better", "frame", "bands", "round", "cohort", "last_year",
      "note", "cadence", "key", "label", "sample", "where", "date_format"};
  if (std::find(kLanguageWords.begin(), kLanguageWords.end(), word) != kLanguageWords.end()) word = {};
  if (!word.empty() && whole) {
    bool hours = false;
    if (std::optional<std::string> fix = translate_time(amount, word, &hours))
      return "'" + std::string(word) + "' is not a unit of time here: write " + *fix +
             " (the units are days, weeks, months, years, and returns of the data)";
    if (hours) return "bandwatch counts time in whole days: write days, weeks, months or years, not " + std::string(word);
    return "'" + std::string(word) + "' is not a unit of time: write the number and one of days, weeks, months, "
           "years or returns, e.g. '" + n + " weeks' or '" + n + " returns'";
  }
  return "'" + n + "' needs a unit after it: write e.g. '" + n + " returns' (returns of the data), '" + n +
         " days', '" + n + " weeks', '" + n + " months' or '" + n + " years'";
}

std::optional<std::string> explain_syntax_error(const SyntaxStop& stop) {
  std::string_view s = stop.source;
  std::size_t at = stop.offset;
  std::string_view expected = stop.expected;
  std::string block = block_description(s, stop.block_offset);
  bool expects_property = expects(expected, "or '}'");

  if (expected == "'\"'")
    return "this text has no closing '\"': add one before the end of the line (text cannot run over a line break)";
  if (at >= s.size()) {
    if (expects_property || expects(expected, "'}'"))
      return block + " is not closed at the end of the file: add '}'";
    return std::nullopt;
  }
  std::string_view token = token_at(s, at);
  std::string_view before = before_on_line(s, at);
  std::string_view rest = rest_of_line(s, at);
  char previous = at > 0 ? s[at - 1] : '\n';

  // A block keyword at the start of a line where a property was expected: the block above was
  // never closed.
  if (expects_property && is_block_keyword(token) && line_start(s, at) == at)
    return block + " is not closed: add '}' before this " + std::string(token);

  // `indicator re-referrals`: a hyphen glued into a name.
  if (token == "-" && is_word(previous) && at + 1 < s.size() && is_word(s[at + 1])) {
    std::size_t begin = at;
    while (begin > 0 && (is_word(s[begin - 1]) || s[begin - 1] == '-')) --begin;
    std::size_t end = at;
    while (end < s.size() && (is_word(s[end]) || s[end] == '-')) ++end;
    std::string name(s.substr(begin, end - begin));
    std::string fixed = name;
    std::replace(fixed.begin(), fixed.end(), '-', '_');
    if (!is_digit(name.front()))
      return "a name cannot contain '-': write " + fixed + " (names are letters, digits and '_')";
  }

  // Comparison operators from other languages.
  bool in_condition = false;
  for (std::string_view keyword : {"when ", "unless ", "where ", "escalate "})
    in_condition = in_condition || before.find(keyword) != std::string_view::npos;
  if (token == "=" && in_condition)
    return "'=' does not compare: write '==' (a single '=' only gives a label its value in braces, "
           "team=\"North\", or defines a derived metric)";
  if (token == "=>") return "write '>=' for 'at least' ('>' comes first)";
  if (token == "=<") return "write '<=' for 'at most' ('<' comes first)";
  if (token == "<>") return "write '!=' for 'is not'";
  if (token.starts_with("&&")) return "write 'and' to join two conditions, not '&&'";
  if (token.starts_with("||")) return "write 'or' for either of two conditions, not '||'";
  if (token == "!") return "write 'not' before a condition, not '!'";
  if (std::string w = lower(token); (w == "and" || w == "or" || w == "not" || w == "in") && w != token)
    return "the words of the language are written in lower case: write '" + w + "', not '" + std::string(token) + "'";

  if (lower(token) == "between")
    return "there is no 'between': write two comparisons joined by 'and', as in " +
           between_fix(before, rest.substr(token.size()));

  // `when` is the one way a rule states its condition.
  if (expects(expected, "a rule property") && (token == "if" || token == "where" || token == "condition"))
    return "a rule's condition is written `when ...`, not `" + std::string(token) + "`";
  if (expected == "'when'" && previous_word(s, at) == "clear")
    return "`clear` is followed by `when` and a condition: write `clear when " + without_close(rest) + "`";

  // Numbers as reports print them.
  if (token == "," && is_digit(previous) && at + 3 < s.size() && is_digit(s[at + 1]) && is_digit(s[at + 2]) &&
      is_digit(s[at + 3])) {
    std::size_t begin = at;
    while (begin > 0 && (is_digit(s[begin - 1]) || s[begin - 1] == ',' || s[begin - 1] == '.')) --begin;
    bool money = begin >= 2 && s.substr(begin - 2, 2) == "£";
    std::size_t end = at;
    while (end < s.size() && (is_digit(s[end]) || s[end] == ',' || s[end] == '.')) ++end;
    std::string digits = strip_commas(s.substr(begin, end - begin));
    std::string message = "numbers are written without thousands separators: write " + (money ? "£" : std::string()) + digits;
    if (money) {
      double pounds = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), pounds);
      if (pounds >= 1e3) message += " or " + money_text(pounds);
    }
    return message;
  }
  if (token == "%" && is_blank(previous)) return "write the '%' straight after the number, with no space: 95%";
  if (!token.empty() && is_digit(token.front())) {
    // A number glued to letters: `5.293m`, `639k`, `1e3`, `14days`.
    std::size_t digits = 0;
    while (digits < token.size() && (is_digit(token[digits]) || token[digits] == '.')) ++digits;
    std::string_view number = token.substr(0, digits), suffix = token.substr(digits);
    std::size_t dot = at + digits;
    while (dot < s.size() && (is_digit(s[dot]) || s[dot] == '.')) ++dot;  // token_at stops at '.'
    if (dot > at + digits) {
      number = s.substr(at, dot - at);
      suffix = word_at(s, dot);
    }
    if (suffix == "k" || suffix == "m" || suffix == "bn")
      return "money is written with '£': £" + std::string(number) + std::string(suffix);
    if (!suffix.empty() && (suffix.front() == 'e' || suffix.front() == 'E') && suffix.size() > 1 && is_digit(suffix[1]))
      return "write the number in full (no exponents): " + std::string(token) + " is not a number here";
    if (!suffix.empty()) {
      std::int64_t amount = 0;
      std::from_chars(number.data(), number.data() + number.size(), amount);
      if (std::optional<std::string> fix = translate_time(amount, suffix, nullptr))
        return "put a space between the number and its unit: " + *fix;
    }
  }

  if (expects(expected, "a whole number") && !token.empty() && is_digit(token.front())) {
    std::string_view keyword = previous_word(s, at);
    std::size_t end = at;
    while (end < s.size() && (is_digit(s[end]) || s[end] == '.')) ++end;
    std::string number(s.substr(at, end - at));
    if (keyword == "round")
      return "`round` takes a whole number of decimal places (0 rounds to whole numbers, 1 to one decimal), not " + number;
    return "write a whole number here, not " + number;
  }
  if (expects(expected, "a name") && !token.empty() && is_word(token.front())) {
    static constexpr std::array<std::string_view, 14> kReserved = {
        "and", "or", "not", "in", "by", "match", "else", "metric", "indicator", "benchmark", "route", "rule",
        "extract", "test"};
    if (std::find(kReserved.begin(), kReserved.end(), token) != kReserved.end())
      return "'" + std::string(token) + "' is a word of the language and cannot be a name: choose another";
  }
  if (expects(expected, "a name") && !token.empty() && !is_word(token.front()) && token.front() != '"') {
    std::string_view keyword = previous_word_anywhere(s, at);
    if (!keyword.empty())
      return "`" + std::string(keyword) + "` must be followed by a name (letters, digits and '_'), found '" +
             std::string(token) + "'";
  }

  // Words where the language wants digits or full words.
  if (std::optional<std::string> digits = number_word(token)) {
    std::string_view next = rest.substr(token.size());
    while (!next.empty() && is_blank(next.front())) next.remove_prefix(1);
    std::string_view unit = word_at(next, 0);
    return "write numbers in digits: " + *digits + (unit.empty() ? "" : " " + std::string(unit)) + ", not " +
           std::string(token) + (unit.empty() ? "" : " " + std::string(unit));
  }
  if (std::string_view number = previous_word(s, at);
      !number.empty() && std::all_of(number.begin(), number.end(), is_digit) && is_word(token.front())) {
    std::int64_t amount = 0;
    std::from_chars(number.data(), number.data() + number.size(), amount);
    bool hours = false;
    if (std::optional<std::string> fix = translate_time(amount, token, &hours); fix && lower(token) != "day")
      if (std::find(std::begin(kTimeUnits), std::end(kTimeUnits), token) == std::end(kTimeUnits))
        return "'" + std::string(token) + "' is not a unit of time here: write " + *fix;
  }

  // Quotes.
  if (token.starts_with("'")) {
    std::string inside(token.substr(1, token.size() > 1 && token.back() == '\'' ? token.size() - 2 : token.size() - 1));
    return "text is written in double quotes: \"" + inside + "\"";
  }
  if (token.starts_with("\"") && expects(expected, "a name")) {
    std::string inside(token.substr(1, token.size() > 1 && token.back() == '"' ? token.size() - 2 : token.size() - 1));
    return "a name is written without quotes: " + inside;
  }
  if (expects(expected, "a quoted string") && is_word(token.front())) {
    std::string_view word = previous_word(s, at);
    if (word == "test") return "a test's name is text in double quotes: test \"" + std::string(token) + "\"";
    if (previous == '=' || (at >= 2 && s[at - 2] == '=' && is_blank(previous))) {
      std::string_view label = previous_word(s, at - (previous == '=' ? 1 : 2));
      return "a label's value is text in double quotes: " + std::string(label) + "=\"" + std::string(token) + "\"";
    }
    return "text is written in double quotes: \"" + std::string(token) + "\"";
  }
  if (expects(expected, "a quoted string") && token == "{")
    return "a message is text in double quotes, placeholders inside it: message \"" + without_close(rest) + "\"";

  // Lists of labels.
  if (expects(expected, "label names") && token == "(")
    return "list labels without parentheses: labels " + trim(rest.substr(1, rest.find(')') == std::string_view::npos ? std::string_view::npos : rest.find(')') - 1));
  if (expects(expected, "a metric property") && is_word(token.front())) {
    std::string b = trim(before);
    std::size_t labels = b.rfind("labels ");
    if (labels != std::string::npos) {
      std::string listed = b.substr(labels + 7);
      if (!listed.empty() && std::all_of(listed.begin(), listed.end(), [](char c) { return is_word(c) || c == ',' || is_blank(c); }))
        return "separate labels with commas: labels " + listed + ", " + std::string(token);
    }
  }

  // Bands as reports print them.
  if (expects(expected, "a band (green") && (token == "," || token == ";"))
    return "bands are separated by spaces or new lines, not '" + std::string(token) + "'";
  if (expects(expected, "a band (green") && token.starts_with("+")) {
    std::string colour_and_limit = trim(before);
    return "'" + std::string(colour_and_limit.substr(colour_and_limit.rfind(' ') + 1)) + "+' is not a band: write " +
           "'>=' before the number for 'and above'";
  }
  if (expects(expected, "a band condition")) {
    std::string_view colour = previous_word(s, at);
    std::string printed = trim(rest);
    // The band ends where the next band or the block does.
    for (std::string_view next : {" green ", " amber ", " red ", "}"}) {
      std::size_t found = printed.find(next);
      if (found != std::string::npos) printed = trim(std::string_view(printed).substr(0, found));
    }
    if (std::optional<std::string> fix = band_as_language(colour, printed))
      return "'" + std::string(colour) + " " + printed + "' is how a report prints a band: write `" + *fix + "`";
  }

  // Keywords written short.
  if (expected.size() > 2 && expected.front() == '\'' && expected.back() == '\'' && is_word(token.front())) {
    std::string_view keyword = expected.substr(1, expected.size() - 2);
    if (keyword.starts_with(token) && token.size() < keyword.size())
      return "write '" + std::string(keyword) + "' in full, not '" + std::string(token) + "'";
  }
  if (expects(expected, "a severity") && token == "green")
    return "a rule's severity is amber or red: green is the absence of an alert";

  // Text.
  if (expects(expected, "the only escapes"))
    return "a backslash in text may only be followed by \\\" (a quote) or \\\\ (a backslash); text stays on one "
           "line, so write it without '\\" + std::string(token.substr(0, 1)) + "'";

  // Parentheses and braces.
  if (expected == "')'") {
    if (auto open = open_parenthesis(s, stop.block_offset, at))
      return "the '(' at line " + std::to_string(open->first) + ", column " + std::to_string(open->second) +
             " is not closed: add ')' before " + (token.empty() ? std::string("the end") : "'" + std::string(token) + "'");
  }
  if (expects(expected, "expected a block") || expects(expected, "a block (")) {
    if (token == "}") return "this '}' closes nothing: the block above is already closed (remove it)";
  }
  return std::nullopt;
}

}  // namespace bandwatch
