// Text helpers shared by the HTML and Markdown renderers.
#include <cctype>

#include "report/render.hpp"

namespace bandwatch::report {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '|': case '*': case '_': case '[': case ']': case '\\': case '`':
        out += '\\';
        out += c;
        break;
      case '<': {
        // Only what could open an HTML tag or autolink; `<= 89%` stays readable.
        char next = i + 1 < text.size() ? text[i + 1] : ' ';
        if (std::isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!' || next == '?') out += '\\';
        out += c;
        break;
      }
      case '\r': break;
      case '\n': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::string> target_lines(std::string_view target) {
  std::vector<std::string> lines;
  // Bands are separated by ", " in the engine's text; a comma inside a band (a `where` scope,
  // a quoted label) is not followed by a colour word, so only split before one.
  auto starts_band = [&](std::size_t at) {
    for (std::string_view word : {"green ", "amber ", "red "})
      if (target.substr(at, word.size()) == word) return true;
    return false;
  };
  std::size_t start = 0;
  for (std::size_t i = 0; i + 2 <= target.size(); ++i) {
    if (target[i] == ',' && target[i + 1] == ' ' && starts_band(i + 2)) {
      lines.emplace_back(target.substr(start, i - start));
      start = i + 2;
    }
  }
  if (start < target.size()) lines.emplace_back(target.substr(start));
  for (std::string& line : lines) {
    std::size_t space = line.find(' ');
    std::string word = line.substr(0, space);
    if (space != std::string::npos && (word == "green" || word == "amber" || word == "red")) {
      std::string rest = line.substr(space + 1);
      for (std::size_t at; (at = rest.find(" .. ")) != std::string::npos;) rest.replace(at, 4, " - ");
      word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
      line = word + ": " + rest;
    }
  }
  return lines;
}

std::string trend_text(Trend trend, ast::Better better) {
  bool higher = better != ast::Better::lower;
  switch (trend) {
    case Trend::none: return "";
    case Trend::unchanged: return "\u2192 unchanged";
    case Trend::improving: return higher ? "\u2191 improving" : "\u2193 improving";
    case Trend::declining: return higher ? "\u2193 declining" : "\u2191 declining";
  }
  return "";
}

bool repeats_title(const AgendaItem& item) {
  return item.message == item.title || item.message.starts_with(item.title + ": ");
}

std::string labels_text(const Labels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ", ";
    out += name + ": " + value;
  }
  return out;
}

}  // namespace bandwatch::report
