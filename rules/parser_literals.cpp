// Literals from the text the grammar matched: numbers, money, percentages, durations and dates
// (parser_internal.hpp). A mistake throws SemanticError at the literal.
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

#include "parser_internal.hpp"
#include "syntax_hints.hpp"

namespace bandwatch::parsing {

/// Builds a Quantity from the text the grammar matched: `95%`, `£5.293m`, `-3.5`, `2 years`.
ast::Quantity make_quantity(std::string text, Iterator where) {
  ast::Quantity q;
  q.text = text;
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && rest.front() == '-') {
    negative = true;
    rest.remove_prefix(1);
  }
  bool money = rest.starts_with("£");
  if (money) rest.remove_prefix(std::string_view("£").size());
  double value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec != std::errc{} || !std::isfinite(value)) fail(where, "number out of range: " + text);
  std::string_view suffix(end, rest.data() + rest.size() - end);
  while (!suffix.empty() && (suffix.front() == ' ' || suffix.front() == '\t'))
    suffix.remove_prefix(1);
  if (negative) value = -value;
  if (money) {
    q.unit = ast::Unit::gbp;
    if (suffix == "k") value *= 1e3;
    else if (suffix == "m") value *= 1e6;
    else if (suffix == "bn") value *= 1e9;
  } else if (suffix == "%") {
    q.unit = ast::Unit::percent;
  } else if (!suffix.empty()) {
    std::string word(suffix);
    if (word.back() != 's') word += 's';
    static constexpr std::pair<std::string_view, DurationUnit> kUnits[] = {
        {"days", DurationUnit::days},     {"weeks", DurationUnit::weeks},
        {"months", DurationUnit::months}, {"years", DurationUnit::years},
        {"periods", DurationUnit::periods}, {"returns", DurationUnit::returns}};
    for (auto [name, unit] : kUnits) {
      if (name != word) continue;
      if (value != std::floor(value))
        fail(where, "a duration is a whole number of " + std::string(name) + ": " + text);
      q.duration = Duration{static_cast<std::int64_t>(value), unit};
      q.unit = counts_returns(unit) ? ast::Unit::none : ast::Unit::days;
    }
  }
  q.value = value;
  return q;
}

Duration to_duration(const std::string& text, Iterator where, Iterator end) {
  ast::Quantity q = make_quantity(text, where);
  if (!q.duration && q.unit == ast::Unit::none) {
    // Name the word that was meant as a unit (`2 fortnights`), not the number before it.
    Iterator after = where + q.text.size();
    while (after < end && (*after == ' ' || *after == '\t')) ++after;
    Iterator word_end = after;
    while (word_end < end && (std::isalnum(static_cast<unsigned char>(*word_end)) || *word_end == '_')) ++word_end;
    fail(where, explain_duration(q.text, std::string_view(after, static_cast<std::size_t>(word_end - after))));
  }
  if (!q.duration)
    fail(where, "a duration is a number of days, weeks, months, years or returns, not " + q.text +
                    " (e.g. '14 days', '3 months', '2 returns')");
  if (q.duration->amount < 0) fail(where, "a duration cannot be negative");
  return *q.duration;
}

Date to_date(const std::string& text, Iterator where) {
  std::string why;
  std::optional<Date> date = parse_date(text, &why);
  if (!date) fail(where, why);
  return *date;
}

}  // namespace bandwatch::parsing
