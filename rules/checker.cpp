// The semantic checker's entry point: the passes over a program in order, reporting, and the
// diagnostics sorted by file and position. The passes live in checker_*.cpp (see
// checker_internal.hpp).
#include "rules/checker.hpp"

#include <algorithm>
#include <tuple>
#include <utility>
#include <variant>

#include "checker_internal.hpp"

namespace bandwatch::checking {

std::vector<Diagnostic> Checker::run() {
  collect();
  find_cycles();
  for (std::size_t f = 0; f < files_.size(); ++f)
    for (const ast::Item& item : files_[f].items)
      std::visit(
          [&](const auto& decl) {
            std::size_t before = errors_;
            check_item(decl, f);
            if (errors_ != before) faulty_.insert(&decl);
          },
          item);
  check_series();
  return ordered();
}

void Checker::report(Severity severity, std::size_t file, Location loc, std::string message) {
  if (quiet_ > 0) return;
  if (severity == Severity::error) ++errors_;
  entries_.push_back({file, Diagnostic{files_[file].path, loc, severity, std::move(message)}});
}
void Checker::error(std::size_t file, Location loc, std::string message) {
  report(Severity::error, file, loc, std::move(message));
}
void Checker::warning(std::size_t file, Location loc, std::string message) {
  report(Severity::warning, file, loc, std::move(message));
}
void Checker::note(std::size_t file, Location loc, std::string message) {
  report(Severity::note, file, loc, std::move(message));
}

/// By file, then position; a note stays right after the diagnostic it explains.
std::vector<Diagnostic> Checker::ordered() {
  std::vector<std::vector<Entry>> groups;
  for (Entry& entry : entries_) {
    if (entry.diagnostic.severity == Severity::note && !groups.empty())
      groups.back().push_back(std::move(entry));
    else
      groups.push_back({std::move(entry)});
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    const Entry& x = a.front();
    const Entry& y = b.front();
    return std::tie(x.file, x.diagnostic.loc.line, x.diagnostic.loc.column) <
           std::tie(y.file, y.diagnostic.loc.line, y.diagnostic.loc.column);
  });
  std::vector<Diagnostic> out;
  for (auto& group : groups)
    for (Entry& entry : group) out.push_back(std::move(entry.diagnostic));
  return out;
}

}  // namespace bandwatch::checking

namespace bandwatch {

std::vector<Diagnostic> check(const std::vector<ast::File>& files) {
  return checking::Checker(files).run();
}

}  // namespace bandwatch
