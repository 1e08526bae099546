// What the language server knows: the documents the editor has open (their text as typed, not as
// saved) and the workspace's other `.bw` files, read from disk, checked together as one program
// exactly as `bandwatch check` checks a folder (loader::check_program), so an editor shows the
// same messages at the same places, and names declared in other files resolve.
//
// Thread safety: none; the server's one thread owns it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "loader/rule_files.hpp"
#include "rules/ast.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::lsp {

struct Document {
  std::string uri;
  std::string path;  // absolute, normalised: the name the parser and checker give it
  std::string text;
  std::int64_t version = 0;
};

/// The whole program as it stands, open documents' texts in place of their files.
struct Analysis {
  loader::LoadedRules loaded;
  bool semantic_checked = false;   // false: a syntax error (in `first_syntax_error`) held the checks back
  std::optional<Diagnostic> first_syntax_error;
  std::uint64_t generation = 0;    // changes whenever any text does

  const ast::File* file(const std::string& path) const;
};

class Workspace {
 public:
  /// The folders whose `.bw` files make the program (the editor's workspace folders). Without
  /// any, a document's own folder is its program.
  void set_roots(std::vector<std::string> folders);
  const std::vector<std::string>& roots() const { return roots_; }

  void open(const std::string& uri, std::string text, std::int64_t version);
  void change(const std::string& uri, std::string text, std::int64_t version);
  void close(const std::string& uri);
  const Document* document(const std::string& uri) const;
  const std::map<std::string, Document>& documents() const { return documents_; }

  /// Files on disk changed (saved, created, deleted): read them again at the next analysis.
  void files_changed() { ++generation_; }

  /// The program now: every `.bw` file under the roots (and the folders of open documents outside
  /// them), open documents' texts in place of their files, parsed and checked.
  const Analysis& analyse();

 private:
  struct DiskFile {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::string text;
  };
  std::vector<std::string> roots_;
  std::map<std::string, Document> documents_;  // by URI
  std::map<std::string, DiskFile> disk_;       // by path: texts read, kept while unchanged
  std::uint64_t generation_ = 1;
  Analysis analysis_;
};

/// An absolute, lexically normal path.
std::string normal_path(const std::string& path);

}  // namespace bandwatch::lsp
