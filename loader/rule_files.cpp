#include "loader/rule_files.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "extract/mapping.hpp"
#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace bandwatch::loader {

namespace fs = std::filesystem;

namespace {

/// One line of a `.bwignore` (or an --exclude), with the folder it is relative to.
struct IgnorePattern {
  fs::path base;
  std::string pattern;
  std::string origin;  // "examples/.bwignore" or "--exclude"
};

std::vector<IgnorePattern> read_ignore_file(const fs::path& dir) {
  std::vector<IgnorePattern> out;
  fs::path file = dir / ".bwignore";
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::size_t end = line.find_last_not_of(" \t");
    out.push_back({dir, line.substr(start, end - start + 1), file.string()});
  }
  return out;
}

/// The pattern `path` matches, if any.
const IgnorePattern* ignored(const fs::path& path, bool is_dir, const std::vector<IgnorePattern>& patterns) {
  for (const IgnorePattern& p : patterns) {
    std::string pattern = p.pattern;
    if (pattern.back() == '/') {
      if (!is_dir) continue;
      pattern.pop_back();
    }
    if (pattern.empty()) continue;
    bool anchored = pattern.find('/') != std::string::npos;
    if (pattern.front() == '/') pattern.erase(0, 1);
    std::string subject = anchored ? path.lexically_relative(p.base).generic_string() : path.filename().string();
    if (::fnmatch(pattern.c_str(), subject.c_str(), anchored ? FNM_PATHNAME : 0) == 0) return &p;
  }
  return nullptr;
}

void search(const fs::path& dir, std::vector<IgnorePattern> patterns, const CollectOptions& options,
            std::vector<std::string>& found, std::vector<SkippedPath>& skipped) {
  std::vector<IgnorePattern> here = read_ignore_file(dir);
  patterns.insert(patterns.end(), here.begin(), here.end());
  std::error_code error;
  std::vector<fs::directory_entry> entries;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  for (const fs::directory_entry& entry : entries) {
    const fs::path& path = entry.path();
    bool link = entry.is_symlink(error);
    if (link && !options.follow_links) continue;
    bool is_dir = entry.is_directory(error);
    if (!is_dir && !(entry.is_regular_file(error) && path.extension() == ".bw")) continue;
    std::string name = path.filename().string();
    if (name.starts_with(".")) continue;  // hidden: version control, editors' state
    if (const IgnorePattern* pattern = ignored(path, is_dir, patterns)) {
      skipped.push_back({path.string() + (is_dir ? "/" : ""), "excluded by " + pattern->pattern + " in " + pattern->origin});
      continue;
    }
    if (is_dir) search(path, patterns, options, found, skipped);
    else found.push_back(path.string());
  }
}

}  // namespace

CollectedFiles collect_rule_files(const std::vector<std::string>& paths, const CollectOptions& options) {
  CollectedFiles out;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<IgnorePattern> given;
      // A .bwignore above the folder given still counts: `bandwatch check examples/tests` within
      // a program whose root ignores scratch folders.
      for (fs::path up = fs::absolute(path).lexically_normal().parent_path(); !up.empty() && up != up.root_path();
           up = up.parent_path()) {
        if (up.filename().empty()) continue;
        std::vector<IgnorePattern> above = read_ignore_file(up);
        given.insert(given.begin(), above.begin(), above.end());
        if (fs::exists(up / ".git", error)) break;  // the top of the checkout
      }
      for (const std::string& pattern : options.exclude) given.push_back({fs::path(path), pattern, "--exclude"});
      std::vector<std::string> found;
      search(fs::path(path), given, options, found, out.skipped);
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else if (fs::exists(path, error) || path == "-") {
      out.files.push_back(path);
    } else {
      out.missing.push_back(path);
    }
  }
  return out;
}

std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>& missing) {
  CollectedFiles collected = collect_rule_files(paths, CollectOptions{});
  missing.insert(missing.end(), collected.missing.begin(), collected.missing.end());
  return collected.files;
}

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return !in.bad();
}

LoadedRules load_rules(const std::vector<std::string>& paths, const CollectOptions& options) {
  LoadedRules loaded;
  CollectedFiles collected = collect_rule_files(paths, options);
  loaded.skipped = std::move(collected.skipped);
  const std::vector<std::string>& files = collected.files;
  for (const std::string& path : collected.missing)
    loaded.diagnostics.push_back({path, {}, Severity::error, "no such file or directory"});
  for (const std::string& path : files) {
    std::string text;
    if (!read_file(path, text)) {
      loaded.diagnostics.push_back({path, {}, Severity::error, "cannot read file"});
      continue;
    }
    ParseResult parsed = parse(text, path);
    loaded.diagnostics.insert(loaded.diagnostics.end(), parsed.diagnostics.begin(),
                              parsed.diagnostics.end());
    loaded.files.push_back(std::move(parsed.file));
    loaded.sources.emplace(path, std::move(text));
  }
  return loaded;
}

void check_program(LoadedRules& loaded) {
  if (has_errors(loaded.diagnostics)) return;
  std::vector<Diagnostic> semantic = check(loaded.files);
  loaded.diagnostics.insert(loaded.diagnostics.end(), semantic.begin(), semantic.end());
  // The expressions of extract mappings (their functions, argument counts, date formats) are
  // the importer's to judge; `check` reports them like any other block's.
  for (const ast::File& file : loaded.files)
    for (const ast::Item& item : file.items)
      if (const auto* decl = std::get_if<ast::ExtractDecl>(&item))
        for (Diagnostic& diagnostic : extract::check_extract(*decl, file.path))
          loaded.diagnostics.push_back(std::move(diagnostic));
  // The engine refuses exactly what the checker refuses (Engine::load runs it first), so what
  // `check` says here is all the daemon would say: there is no need to compile.
}

}  // namespace bandwatch::loader
