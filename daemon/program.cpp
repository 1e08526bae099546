#include "program.hpp"

#include <variant>

namespace bandwatch::daemon {

std::string one_line(const Diagnostic& diagnostic) {
  std::string text = render(diagnostic, {});
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

namespace {

void count_program(Program& program) {
  for (const ast::File& file : program.rules.files)
    for (const ast::Item& item : file.items) {
      if (std::holds_alternative<ast::IndicatorDecl>(item)) ++program.indicator_count;
      else if (std::holds_alternative<ast::RuleDecl>(item)) ++program.rule_count;
    }
}

}  // namespace

ProgramLoad load_program(const std::vector<std::string>& paths) {
  ProgramLoad result;
  loader::LoadedRules loaded = loader::load_rules(paths);
  loader::check_program(loaded);
  for (const Diagnostic& diagnostic : loaded.diagnostics)
    (diagnostic.severity == Severity::error ? result.errors : result.warnings).push_back(one_line(diagnostic));
  result.no_files = loaded.files.empty() && result.errors.empty();
  if (!result.errors.empty() || result.no_files) return result;
  Program& program = result.program.emplace();
  program.rules = std::move(loaded);
  count_program(program);
  return result;
}

}  // namespace bandwatch::daemon
