#include "rules/diagnostic.hpp"

#include <algorithm>

namespace bandwatch {
namespace {

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

std::string_view line_at(std::string_view source, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t current = 1; current < line; ++current) {
    start = source.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  std::size_t end = source.find('\n', start);
  std::string_view text = source.substr(start, end == std::string_view::npos ? end : end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// Length of the UTF-8 sequence at text[i] (2 to 4), or 0 when it is not one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  std::size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  // Overlong three- and four-byte forms, surrogates, and values past U+10FFFF.
  if (c == 0xE0 && byte(i + 1) < 0xA0) return 0;
  if (c == 0xED && byte(i + 1) >= 0xA0) return 0;
  if (c == 0xF0 && byte(i + 1) < 0x90) return 0;
  if (c == 0xF4 && byte(i + 1) >= 0x90) return 0;
  return length;
}

}  // namespace

std::string printable(std::string_view text, bool keep_line_breaks) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c == '\t' || (keep_line_breaks && c == '\n')) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (std::size_t length = c >= 0x80 ? utf8_length(text, i) : 0) {
      if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {  // U+0080..U+009F
        unsigned char code = static_cast<unsigned char>(text[i + 1]);
        out += "\\u00";
        out.push_back(kHex[code >> 4]);
        out.push_back(kHex[code & 15]);
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
      ++i;
    }
  }
  return out;
}

std::string render(const Diagnostic& diagnostic, std::string_view source) {
  std::string out = diagnostic.file + ":" + std::to_string(diagnostic.loc.line) + ":" +
                    std::to_string(diagnostic.loc.column) + ": " +
                    std::string(severity_name(diagnostic.severity)) + ": " + printable(diagnostic.message) +
                    "\n";
  if (source.empty() || diagnostic.loc.line == 0) return out;
  std::string_view text = line_at(source, diagnostic.loc.line);
  out += " ";
  out += printable(text);
  out += "\n ";
  // The caret sits under the column as printed (an escaped byte is four characters wide); tabs
  // are kept so it does in any tab width.
  std::size_t before = std::min<std::size_t>(diagnostic.loc.column > 0 ? diagnostic.loc.column - 1 : 0, text.size());
  for (char c : printable(text.substr(0, before))) out += c == '\t' ? '\t' : ' ';
  out += "^\n";
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::string_view::npos;
  for (const std::string& candidate : candidates) {
    if (candidate == word) continue;
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  // A third of the word may be wrong: `sevrity` -> `severity`, but `x` suggests nothing.
  std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  return best_distance <= allowed ? best : std::string{};
}

}  // namespace bandwatch
