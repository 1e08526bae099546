// Loading rule files for the commands: directories are searched for `*.bw`, every file is
// parsed, and diagnostics keep the text of their file so they can be shown with a caret.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::cli {

struct LoadedRules {
  std::vector<ast::File> files;                 // every file that was read, parsed as far as it goes
  std::map<std::string, std::string> sources;   // file path -> text, for rendering diagnostics
  std::vector<Diagnostic> diagnostics;          // unreadable files and syntax errors
};

/// The `.bw` files named by `paths`: files as given, directories searched recursively, sorted.
/// A path that does not exist is reported in `missing`.
std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>& missing);

/// Reads and parses every rule file under `paths`.
LoadedRules load_rules(const std::vector<std::string>& paths);

/// Adds the semantic checks of the whole program to `loaded.diagnostics`. Names are global
/// across files, so the program is checked as a whole. A block that failed to parse is missing
/// from the tree and every reference to it would be a spurious "unknown" error, so the semantic
/// checks wait until the syntax is right.
void check_program(LoadedRules& loaded);

/// Prints diagnostics GCC style to stderr, each with its source line and caret.
void print_diagnostics(const std::vector<Diagnostic>& diagnostics,
                       const std::map<std::string, std::string>& sources);

/// Reads a whole file; false if it cannot be read.
bool read_file(const std::string& path, std::string& contents);

}  // namespace bandwatch::cli
