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

}  // namespace

std::string render(const Diagnostic& diagnostic, std::string_view source) {
  std::string out = diagnostic.file + ":" + std::to_string(diagnostic.loc.line) + ":" +
                    std::to_string(diagnostic.loc.column) + ": " +
                    std::string(severity_name(diagnostic.severity)) + ": " + diagnostic.message +
                    "\n";
  if (source.empty() || diagnostic.loc.line == 0) return out;
  std::string_view text = line_at(source, diagnostic.loc.line);
  out += " ";
  out += text;
  out += "\n ";
  // Keep tabs in the caret line so the caret sits under the column in any tab width.
  for (std::uint32_t i = 1; i < diagnostic.loc.column && i - 1 < text.size(); ++i)
    out += text[i - 1] == '\t' ? '\t' : ' ';
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
