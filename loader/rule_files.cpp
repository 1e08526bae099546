#include "loader/rule_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "extract/mapping.hpp"
#include "engine/engine.hpp"
#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace bandwatch::loader {

namespace fs = std::filesystem;

std::vector<std::string> collect_rule_files(const std::vector<std::string>& paths,
                                            std::vector<std::string>& missing) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::recursive_directory_iterator(path, error))
        if (entry.is_regular_file() && entry.path().extension() == ".bw")
          found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, error) || path == "-") {
      files.push_back(path);
    } else {
      missing.push_back(path);
    }
  }
  return files;
}

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return !in.bad();
}

LoadedRules load_rules(const std::vector<std::string>& paths) {
  LoadedRules loaded;
  std::vector<std::string> missing;
  std::vector<std::string> files = collect_rule_files(paths, missing);
  for (const std::string& path : missing)
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
  if (has_errors(loaded.diagnostics)) return;
  // Whatever the engine would refuse when the daemon loads these rules, `check` must say first:
  // compile them. Its warnings repeat the checker's, so only its errors are added.
  engine::Engine engine;
  for (Diagnostic& diagnostic : engine.load(loaded.files).diagnostics)
    if (diagnostic.severity == Severity::error) loaded.diagnostics.push_back(std::move(diagnostic));
}

}  // namespace bandwatch::loader
