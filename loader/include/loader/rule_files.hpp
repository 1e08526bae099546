// Loading a program: the `.bw` files under some paths are collected (directories searched),
// parsed, and checked as one program (the checker, the extract mappings, and whatever the
// engine's compile would refuse). Used by bandwatchd and by the `bandwatch` commands, so both
// accept and refuse the same rules with the same words. Diagnostics keep the text of their file
// so they can be shown with a caret.
//
// Thread safety: free functions without shared state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::loader {

/// Which files a folder contributes. Searching a folder skips hidden folders and files (a name
/// starting with '.': version control, editors' state), and whatever a `.bwignore` file in the
/// folder or above it lists: one glob pattern a line (`#` starts a comment), matched as git
/// matches its ignore lines: a pattern without '/' against the name at any depth (`scratch`,
/// `*_draft.bw`), one with '/' against the path from the `.bwignore`'s folder (`old/2019/*.bw`),
/// and a pattern ending in '/' only against folders. A file named on the command line is always
/// read.
struct CollectOptions {
  std::vector<std::string> exclude;  // patterns as in a `.bwignore` of each folder given (--exclude)
  bool follow_links = true;          // false: links met while searching are skipped (fmt)
};

/// A file or folder a search passed over, and why ("excluded by scratch/ in examples/.bwignore").
struct SkippedPath {
  std::string path;
  std::string reason;
};

struct CollectedFiles {
  std::vector<std::string> files;    // in the order given, each folder's files sorted
  std::vector<std::string> missing;  // paths given that do not exist
  std::vector<SkippedPath> skipped;  // excluded, in the order met
};

/// The `.bw` files named by `paths`: files as given, folders searched (see CollectOptions).
CollectedFiles collect_rule_files(const std::vector<std::string>& paths, const CollectOptions& options);

struct LoadedRules {
  std::vector<ast::File> files;                 // every file that was read, parsed as far as it goes
  std::map<std::string, std::string> sources;   // file path -> text, for rendering diagnostics
  std::vector<Diagnostic> diagnostics;          // unreadable files and syntax errors
  std::vector<SkippedPath> skipped;             // files and folders the search excluded
};

/// The `.bw` files named by `paths`, with no --exclude. A path that does not exist is reported
/// in `missing`.
std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>& missing);

/// Reads and parses every rule file under `paths`.
LoadedRules load_rules(const std::vector<std::string>& paths, const CollectOptions& options = {});

/// Adds the semantic checks of the whole program to `loaded.diagnostics`. Names are global
/// across files, so the program is checked as a whole. A block that failed to parse is missing
/// from the tree and every reference to it would be a spurious "unknown" error, so the semantic
/// checks wait until the syntax is right.
void check_program(LoadedRules& loaded);

/// Reads a whole file; false if it cannot be read.
bool read_file(const std::string& path, std::string& contents);

}  // namespace bandwatch::loader
