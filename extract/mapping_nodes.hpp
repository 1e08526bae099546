// A mapping's expressions compiled to a tree of nodes: mapping_compiler.cpp turns the AST of an
// `extract` block into them (resolving columns against a file's header), mapping.cpp evaluates
// them for each row. Internal to extract/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "extract/header.hpp"
#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::extract::detail {

constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);
// Distinct values remembered per `match`; team names and codes repeat, free text does not.
constexpr std::size_t kMatchCacheLimit = 16384;

enum class Kind : std::uint8_t {
  number, text, date, duration, column, as_of,
  fn_date, fn_age, fn_days_between, fn_working_days, fn_is_blank, fn_code,
  negate, logical_not, arithmetic, compare, logical_and, logical_or, in_list, match,
};

struct MatchArms {
  std::vector<std::regex> regexes;
  std::unordered_map<std::string, int> cache;  // normalised subject -> arm, -1 for none
  std::string scratch;
};

struct Node {
  Kind kind = Kind::number;
  ast::Op op = ast::Op::none;
  double number = 0;
  std::string text;  // literal text; for a column, the header as the file spells it
  Date date;
  Duration duration;
  std::size_t column = kNoColumn;
  bool negated = false;
  bool has_else = false;
  std::vector<Node> args;
  std::shared_ptr<MatchArms> match;  // shared_ptr: Node stays copyable for vectors
};

struct SampleBinding {
  std::string name;
  Node value;
};

struct LabelBinding {
  std::string name;
  Node value;
  bool key = false;
  std::string prefix;  // `name="`
};

/// A mapping's filters and bindings, compiled.
struct CompiledMapping {
  std::vector<Node> filters;
  std::vector<LabelBinding> labels;
  std::vector<SampleBinding> samples;
};

/// Compiles `decl`, its columns resolved against `header` (a file's), appending diagnostics in
/// the order the author wrote the code; nullopt when any of them is an error.
std::optional<CompiledMapping> compile_mapping(const ast::ExtractDecl& decl, std::string_view rules_file,
                                               const HeaderIndex& header, std::string_view data_file,
                                               std::vector<Diagnostic>& diagnostics);

}  // namespace bandwatch::extract::detail
