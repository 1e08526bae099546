// What every `bandwatch` command shares: printing diagnostics with their source line and caret.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rules/diagnostic.hpp"

namespace bandwatch::cli {

/// Prints diagnostics GCC style to stderr, each with its source line and caret; `sources` maps
/// a file path to its text.
void print_diagnostics(const std::vector<Diagnostic>& diagnostics,
                       const std::map<std::string, std::string>& sources);

}  // namespace bandwatch::cli
