// The hand-written sample line parser: one pass over the bytes, no allocation once `out` has
// grown to the widest line, std::from_chars for numbers.
#include "engine/sample_line.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace bandwatch::engine {
namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_space(char c) { return c == ' ' || c == '\t'; }

struct Cursor {
  std::string_view text;
  std::size_t at = 0;
  bool done() const { return at >= text.size(); }
  char peek() const { return at < text.size() ? text[at] : '\0'; }
  void skip_space() {
    while (at < text.size() && is_space(text[at])) ++at;
  }
  std::string_view name() {
    std::size_t start = at;
    if (at < text.size() && is_name_start(text[at])) {
      ++at;
      while (at < text.size() && is_name_char(text[at])) ++at;
    }
    return text.substr(start, at - start);
  }
};

LineKind fail(std::string& error, std::size_t& column, std::size_t at, std::string message) {
  error = std::move(message);
  column = at + 1;
  return LineKind::error;
}

// The words below are for the error paths only; the line's happy path never reaches them.

/// The run of non-blank characters at `at`.
std::string_view word_at(std::string_view line, std::size_t at) {
  std::size_t end = at;
  while (end < line.size() && !is_space(line[end])) ++end;
  return line.substr(at, end - at);
}

bool looks_like_date(std::string_view text) {
  auto digits = [](std::string_view t) {
    return !t.empty() && t.find_first_not_of("0123456789") == std::string_view::npos;
  };
  std::size_t dash = text.find('-'), slash = text.find('/');
  if (dash == 4 && text.size() >= 8) return digits(text.substr(0, 4));
  if (slash != std::string_view::npos && slash <= 2) return digits(text.substr(0, slash));
  return false;
}

/// What a value that is not a number probably is, and what to write instead.
std::string explain_value(std::string_view line, std::string_view metric_part, std::size_t at) {
  std::string_view value = word_at(line, at);
  if (looks_like_date(value))
    return "the value is missing: '" + std::string(value) + "' is the date; write the figure before it: " +
           std::string(metric_part) + " 22 " + std::string(value);
  std::string lowered(value);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == "n/a" || lowered == "na" || lowered == "-" || lowered == "null" || lowered == "none" ||
      lowered == "*" || lowered == "x" || lowered == "c")
    return "'" + std::string(value) + "' is not a number: a series with no figure is left out of the file "
           "(a line per series that has one)";
  return "the value must be a number (22, 96.6%, £639k), not '" + std::string(value) + "'";
}

/// Lines of one batch share their date: remember the last one parsed.
std::optional<Date> cached_date(std::string_view text, ParsedSample& out, std::string& why) {
  if (text.size() == 10 && std::memcmp(text.data(), out.date_text_, 10) == 0) return out.date_value_;
  std::optional<Date> date = parse_date(text, &why);
  if (date && text.size() == 10) {
    std::memcpy(out.date_text_, text.data(), 10);
    out.date_value_ = *date;
  }
  return date;
}

/// Plain decimals (`93.125`, `-4`, `22`) of up to 15 significant digits, exactly: the digits as
/// an integer, divided once by a power of ten (both exact in a double, so the quotient is
/// correctly rounded, as from_chars would give). Anything else goes to from_chars.
const char* fast_decimal(const char* p, const char* end, double& value) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                      1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  bool negative = p < end && *p == '-';
  if (negative) ++p;
  std::uint64_t digits = 0;
  int count = 0, fraction = 0;
  const char* digits_start = p;
  while (p < end && *p >= '0' && *p <= '9') {
    digits = digits * 10 + static_cast<std::uint64_t>(*p++ - '0');
    ++count;
  }
  if (p == digits_start) return nullptr;
  if (p < end && *p == '.') {
    const char* dot = p++;
    while (p < end && *p >= '0' && *p <= '9') {
      digits = digits * 10 + static_cast<std::uint64_t>(*p++ - '0');
      ++count;
      ++fraction;
    }
    if (p == dot + 1) return nullptr;  // "12." is for from_chars to judge
  }
  if (count > 15 || (p < end && (*p == 'e' || *p == 'E'))) return nullptr;
  value = static_cast<double>(digits) / kPow10[fraction];
  if (negative) value = -value;
  return p;
}

}  // namespace

LineKind parse_sample_line(std::string_view line, ParsedSample& out, std::string& error,
                           std::size_t& error_column) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Cursor c{line};
  c.skip_space();
  if (c.done() || c.peek() == '#') return LineKind::blank;

  out.labels.clear();
  out.date.reset();
  out.metric = c.name();
  if (out.metric.empty()) {
    std::string_view first = word_at(line, c.at);
    if (first.starts_with('"'))
      return fail(error, error_column, c.at, "a metric's name is written without quotes: " +
                                                 std::string(first.substr(1, first.find('"', 1) - 1)));
    if (!first.empty() && first.front() >= '0' && first.front() <= '9')
      return fail(error, error_column, c.at,
                  "a line starts with the metric's name, which starts with a letter or '_', not '" +
                      std::string(first) + "'");
    return fail(error, error_column, c.at,
                "a line starts with the metric's name (letters, digits, '_' and ':'), not '" + std::string(first) + "'");
  }

  // Label values with escapes are unescaped into scratch_; its views are fixed up at the end,
  // because growing scratch_ moves it.
  struct Escaped {
    std::size_t label, offset, size;
  };
  Escaped escaped[32];
  std::size_t escaped_count = 0;
  out.scratch_.clear();

  std::size_t labels_begin = c.at;
  if (c.peek() == '{') {
    ++c.at;
    for (;;) {
      c.skip_space();
      if (c.peek() == '}') {
        ++c.at;
        break;
      }
      std::size_t name_at = c.at;
      std::string_view name = c.name();
      if (name.empty()) {
        if (c.done()) return fail(error, error_column, c.at, "unterminated label set: expected '}'");
        return fail(error, error_column, c.at, "expected a label name");
      }
      c.skip_space();
      if (c.peek() != '=')
        return fail(error, error_column, c.at,
                    "a label is written name=\"value\": put '=' after " + std::string(name));
      ++c.at;
      c.skip_space();
      if (c.peek() != '"') {
        std::size_t end = c.at;
        while (end < line.size() && line[end] != ',' && line[end] != '}' && !is_space(line[end])) ++end;
        return fail(error, error_column, c.at,
                    "label values are written in double quotes: " + std::string(name) + "=\"" +
                        std::string(line.substr(c.at, end - c.at)) + "\"");
      }
      ++c.at;
      std::size_t start = c.at;
      bool has_escape = false;
      while (!c.done() && c.peek() != '"') {
        if (c.peek() == '\\') {
          has_escape = true;
          ++c.at;
        }
        ++c.at;
      }
      if (c.done())
        return fail(error, error_column, start - 1,
                    "the value of label " + std::string(name) + " has no closing '\"'");
      std::string_view raw = line.substr(start, c.at - start);
      ++c.at;  // closing quote
      if (has_escape) {
        if (escaped_count == std::size(escaped))
          return fail(error, error_column, name_at, "too many escaped label values on one line");
        std::size_t offset = out.scratch_.size();
        for (std::size_t i = 0; i < raw.size(); ++i) {
          char ch = raw[i];
          if (ch == '\\' && i + 1 < raw.size()) {
            char next = raw[++i];
            if (next == 'n') ch = '\n';
            else if (next == '\\' || next == '"') ch = next;
            else
              return fail(error, error_column, start + i - 1,
                          std::string("'\\") + next + "' is not allowed in a label value: only \\\", \\\\ and \\n are");
          }
          out.scratch_.push_back(ch);
        }
        escaped[escaped_count++] = {out.labels.size(), offset, out.scratch_.size() - offset};
      }
      out.labels.push_back({name, raw});
      c.skip_space();
      if (c.peek() == ',') {
        ++c.at;
        continue;
      }
      if (c.peek() == '}') {
        ++c.at;
        break;
      }
      if (is_name_start(c.peek())) {
        std::string_view next = word_at(line, c.at);
        if (next.find('=') == std::string_view::npos)  // `worker="W1,team="North"`: quotes out of step
          return fail(error, error_column, start - 1,
                      "the quotes around the value of label " + std::string(name) + " do not match: it reads as \"" +
                          std::string(raw) + "\"");
        return fail(error, error_column, c.at,
                    "separate labels with commas: put ',' before " + std::string(next.substr(0, next.find('='))));
      }
      if ((c.peek() >= '0' && c.peek() <= '9') || c.peek() == '-' || line.substr(c.at).starts_with("£"))
        return fail(error, error_column, c.at, "the labels are not closed: add '}' after the last label");
      if (c.done()) return fail(error, error_column, c.at, "the labels are not closed: add '}' after the last one");
      return fail(error, error_column, c.at, "after a label comes ',' and the next label, or '}'");
    }
  }
  for (std::size_t i = 0; i < escaped_count; ++i)
    out.labels[escaped[i].label].value =
        std::string_view(out.scratch_).substr(escaped[i].offset, escaped[i].size);

  if (!c.done() && !is_space(c.peek())) {
    if (c.peek() == '-' && labels_begin == c.at)
      return fail(error, error_column, c.at,
                  "a metric name cannot contain '-': '" + std::string(word_at(line, 0)) +
                      "' is not a name (names are letters, digits, '_' and ':')");
    return fail(error, error_column, c.at, "put a space between the metric and its value");
  }
  std::string_view metric_part = line.substr(0, c.at);
  while (!metric_part.empty() && is_space(metric_part.front())) metric_part.remove_prefix(1);
  c.skip_space();
  if (c.done())
    return fail(error, error_column, c.at,
                "the value is missing: write the figure after the metric and its labels, e.g. "
                "caseload{team=\"North\"} 22 2020-02-04");

  // Value: number, number%, or £number[k|m|bn].
  std::size_t value_at = c.at;
  bool money = false;
  if (line.substr(c.at).starts_with("£")) {
    money = true;
    c.at += std::strlen("£");
  }
  const char* begin = line.data() + c.at;
  const char* end = line.data() + line.size();
  if (begin < end && *begin == '+') ++begin;
  double value = 0;
  const char* ptr = fast_decimal(begin, end, value);
  if (!ptr) {
    auto [p, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc{} || p == begin)
      return fail(error, error_column, value_at, explain_value(line, metric_part, value_at));
    ptr = p;
  }
  c.at = static_cast<std::size_t>(ptr - line.data());
  if (money) {
    if (line.substr(c.at).starts_with("bn")) value *= 1e9, c.at += 2;
    else if (c.peek() == 'm') value *= 1e6, ++c.at;
    else if (c.peek() == 'k') value *= 1e3, ++c.at;
  } else if (c.peek() == '%') {
    ++c.at;  // percent points already: 96.6% is 96.6, as the rules write 95%
  }
  if (!std::isfinite(value))
    return fail(error, error_column, value_at, "the value must be a finite number");
  out.value = value;
  if (!c.done() && !is_space(c.peek())) {
    std::string_view value_text = word_at(line, value_at);
    if (looks_like_date(value_text))
      return fail(error, error_column, value_at, explain_value(line, metric_part, value_at));
    if (c.peek() == ',') {
      std::string digits;
      for (char ch : value_text)
        if (ch != ',') digits += ch;
      return fail(error, error_column, c.at,
                  "numbers are written without thousands separators: " + digits + ", not " + std::string(value_text));
    }
    return fail(error, error_column, value_at,
                "the value must be a number (22, 96.6%, £639k), not '" + std::string(value_text) + "'");
  }
  c.skip_space();
  if (c.done()) return LineKind::sample;

  std::size_t date_at = c.at;
  if (c.peek() == '%')
    return fail(error, error_column, c.at, "write the '%' straight after the number, with no space: " +
                                               std::string(word_at(line, value_at)) + "%");
  std::size_t date_end = c.at;
  while (date_end < line.size() && !is_space(line[date_end])) ++date_end;
  std::string why;
  std::optional<Date> date = cached_date(line.substr(date_at, date_end - date_at), out, why);
  if (!date) {
    std::string_view rest = line.substr(date_at);
    rest = rest.substr(0, rest.find('#'));
    while (!rest.empty() && is_space(rest.back())) rest.remove_suffix(1);
    if (rest.size() > date_end - date_at)  // `4 Feb 2020`: words after the first
      return fail(error, error_column, date_at,
                  "the date is written 2020-02-04 or 04/02/2020, not '" + std::string(rest) + "'");
    return fail(error, error_column, date_at, "the date after the value: " + why);
  }
  out.date = date;
  c.at = date_end;
  c.skip_space();
  if (!c.done() && c.peek() != '#')
    return fail(error, error_column, c.at,
                "a line ends with its date; '" + std::string(word_at(line, c.at)) +
                    "' after it is not understood (a comment starts with '#')");
  return LineKind::sample;
}

}  // namespace bandwatch::engine
