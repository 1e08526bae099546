// The program in force in bandwatchd: the rule files as loaded and checked (loader/), and the
// counts `status` reports. Internal to bandwatchd.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "loader/rule_files.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::daemon {

struct Program {
  loader::LoadedRules rules;
  std::size_t rule_count = 0, indicator_count = 0;
};

/// The rule files under `paths`, loaded and checked as `bandwatch check` does, with their
/// diagnostics one line each. `program` is set when there are no errors.
struct ProgramLoad {
  std::optional<Program> program;
  std::vector<std::string> errors, warnings;
  bool no_files = false;  // no `.bw` file was found (and nothing else is wrong)
};
ProgramLoad load_program(const std::vector<std::string>& paths);

/// "file:line:col: error: message", one line (no excerpt): for logs and the `reload` answer.
std::string one_line(const Diagnostic& diagnostic);

}  // namespace bandwatch::daemon
