#include "workspace.hpp"

#include <algorithm>
#include <set>
#include <system_error>

#include "rules/parser.hpp"
#include "text.hpp"

namespace bandwatch::lsp {

namespace fs = std::filesystem;

std::string normal_path(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) absolute = path;
  return absolute.lexically_normal().string();
}

const ast::File* Analysis::file(const std::string& path) const {
  for (const ast::File& f : loaded.files)
    if (f.path == path) return &f;
  return nullptr;
}

void Workspace::set_roots(std::vector<std::string> folders) {
  roots_.clear();
  for (const std::string& folder : folders) roots_.push_back(normal_path(folder));
  ++generation_;
}

void Workspace::open(const std::string& uri, std::string text, std::int64_t version) {
  Document& document = documents_[uri];
  document.uri = uri;
  std::string path = uri_to_path(uri);
  // A document that is not a file (an untitled buffer) is still checked, under its URI.
  document.path = path.empty() ? uri : normal_path(path);
  document.text = std::move(text);
  document.version = version;
  ++generation_;
}

void Workspace::change(const std::string& uri, std::string text, std::int64_t version) {
  auto it = documents_.find(uri);
  if (it == documents_.end()) return open(uri, std::move(text), version);
  it->second.text = std::move(text);
  it->second.version = version;
  ++generation_;
}

void Workspace::close(const std::string& uri) {
  documents_.erase(uri);
  ++generation_;
}

const Document* Workspace::document(const std::string& uri) const {
  auto it = documents_.find(uri);
  return it == documents_.end() ? nullptr : &it->second;
}

const Analysis& Workspace::analyse() {
  if (analysis_.generation == generation_) return analysis_;
  // The folders searched: the roots, and the folder of each open document under none of them.
  std::vector<std::string> folders = roots_;
  std::map<std::string, const Document*> open_by_path;
  for (const auto& [uri, document] : documents_) {
    open_by_path[document.path] = &document;
    if (document.path == document.uri) continue;  // not a file
    bool under_root = false;
    for (const std::string& root : roots_)
      if (document.path.starts_with(root + "/")) under_root = true;
    std::string folder = fs::path(document.path).parent_path().string();
    if (!under_root && std::find(folders.begin(), folders.end(), folder) == folders.end()) folders.push_back(folder);
  }
  std::vector<std::string> paths;
  std::set<std::string> seen;
  for (const std::string& file : loader::collect_rule_files(folders, loader::CollectOptions{}).files) {
    std::string path = normal_path(file);
    if (seen.insert(path).second) paths.push_back(path);
  }
  // Open documents the search did not find (outside the folders, excluded, unsaved) are checked too.
  for (const auto& [path, document] : open_by_path)
    if (seen.insert(path).second) paths.push_back(path);

  Analysis analysis;
  analysis.generation = generation_;
  std::map<std::string, DiskFile> kept;
  for (const std::string& path : paths) {
    std::string text;
    if (auto open = open_by_path.find(path); open != open_by_path.end()) {
      text = open->second->text;
    } else {
      std::error_code error;
      auto mtime = fs::last_write_time(path, error);
      auto size = error ? 0 : fs::file_size(path, error);
      auto cached = disk_.find(path);
      if (!error && cached != disk_.end() && cached->second.mtime == mtime && cached->second.size == size) {
        text = cached->second.text;
      } else if (!loader::read_file(path, text)) {
        analysis.loaded.diagnostics.push_back({path, {}, Severity::error, "cannot read file"});
        continue;
      }
      if (!error) kept[path] = DiskFile{mtime, size, text};
    }
    ParseResult parsed = parse(text, path);
    analysis.loaded.diagnostics.insert(analysis.loaded.diagnostics.end(), parsed.diagnostics.begin(),
                                       parsed.diagnostics.end());
    analysis.loaded.files.push_back(std::move(parsed.file));
    analysis.loaded.sources.emplace(path, std::move(text));
  }
  disk_ = std::move(kept);
  for (const Diagnostic& d : analysis.loaded.diagnostics)
    if (d.severity == Severity::error) {
      analysis.first_syntax_error = d;
      break;
    }
  loader::check_program(analysis.loaded);
  analysis.semantic_checked = !analysis.first_syntax_error;
  analysis_ = std::move(analysis);
  return analysis_;
}

}  // namespace bandwatch::lsp
