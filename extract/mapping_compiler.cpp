// Compiling an `extract` block: its expressions to nodes (mapping_nodes.hpp), with the checks
// only this library can make (functions and their arguments, date formats, columns).
#include <algorithm>
#include <set>
#include <tuple>

#include "extract/mapping.hpp"
#include "mapping_nodes.hpp"
#include "text.hpp"

namespace bandwatch::extract {
namespace detail {
namespace {

struct FunctionSpec {
  std::string_view name;
  Kind kind;
  std::size_t arity;
};

constexpr FunctionSpec kFunctions[] = {
    {"date", Kind::fn_date, 1},
    {"age", Kind::fn_age, 1},
    {"days_between", Kind::fn_days_between, 2},
    {"working_days_between", Kind::fn_working_days, 2},
    {"is_blank", Kind::fn_is_blank, 1},
    {"code", Kind::fn_code, 1},
};

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const FunctionSpec& spec : kFunctions) names.emplace_back(spec.name);
  return names;
}

// Turns AST expressions into nodes; with a header, resolves columns too.
class Compiler {
 public:
  Compiler(std::string_view rules_file, const HeaderIndex* header, std::string_view data_file,
           std::vector<Diagnostic>& diagnostics)
      : rules_file_(rules_file), header_(header), data_file_(data_file), diagnostics_(diagnostics) {}

  Node compile(const ast::Expr& expr) {
    Node node;
    switch (expr.kind) {
      case ast::ExprKind::number:
        if (expr.quantity.duration) {
          node.kind = Kind::duration;
          node.duration = *expr.quantity.duration;
          if (node.duration.unit == DurationUnit::periods)
            error(expr.loc, "periods have no meaning in an extract; use days, weeks, months or years");
        } else {
          node.kind = Kind::number;
          node.number = expr.quantity.value;
        }
        return node;
      case ast::ExprKind::string:
        return column(expr);
      case ast::ExprKind::date:
        node.kind = Kind::date;
        node.date = expr.date;
        return node;
      case ast::ExprKind::ref:
        if (expr.name == "as_of" && expr.matchers.empty()) {
          node.kind = Kind::as_of;
          return node;
        }
        error(expr.loc, "unknown name '" + expr.name +
                            "' in an extract: a column is written as a string (\"" + expr.name +
                            "\"); `as_of` is the import's date");
        return node;
      case ast::ExprKind::call:
        return call(expr);
      case ast::ExprKind::aggregate:
        error(expr.loc, "'" + expr.name + "(...) by' aggregates belong in metric declarations, not extracts");
        return node;
      case ast::ExprKind::unary:
        node.kind = expr.op == ast::Op::logical_not ? Kind::logical_not : Kind::negate;
        node.args.push_back(compile(expr.args.at(0)));
        return node;
      case ast::ExprKind::binary:
        node.op = expr.op;
        switch (expr.op) {
          case ast::Op::add: case ast::Op::subtract: case ast::Op::multiply: case ast::Op::divide:
            node.kind = Kind::arithmetic;
            break;
          case ast::Op::logical_and: node.kind = Kind::logical_and; break;
          case ast::Op::logical_or: node.kind = Kind::logical_or; break;
          default: node.kind = Kind::compare; break;
        }
        node.args.push_back(compile(expr.args.at(0)));
        node.args.push_back(compile(expr.args.at(1)));
        return node;
      case ast::ExprKind::in_list:
        node.kind = Kind::in_list;
        node.negated = expr.negated;
        node.args.push_back(compile(expr.args.at(0)));
        for (std::size_t i = 1; i < expr.args.size(); ++i) node.args.push_back(literal(expr.args[i]));
        return node;
      case ast::ExprKind::match:
        return match(expr);
    }
    return node;
  }

  bool failed() const { return failed_; }

  void error(ast::Location loc, std::string message) {
    failed_ = true;
    diagnostics_.push_back(Diagnostic{std::string(rules_file_), loc, Severity::error, std::move(message)});
  }

 private:
  Node column(const ast::Expr& expr) {
    Node node;
    node.kind = Kind::column;
    node.text = expr.name;
    if (trim(expr.name).empty()) error(expr.loc, "an empty string names no column");
    if (!header_) return node;
    auto cached = resolved_.find(expr.name);
    if (cached != resolved_.end()) {
      node.column = cached->second.index;
      node.text = cached->second.header;
      return node;
    }
    std::string message;
    std::optional<HeaderMatch> found = header_->find(expr.name, message);
    if (!found) {
      error(expr.loc, message + " (in " + std::string(data_file_) + ")");
      return node;
    }
    if (!found->exact)
      diagnostics_.push_back(Diagnostic{std::string(rules_file_), expr.loc, Severity::note,
                                        "column \"" + expr.name + "\" read from \"" +
                                            found->header + "\" in " + std::string(data_file_)});
    resolved_.emplace(expr.name, *found);
    node.column = found->index;
    node.text = found->header;
    return node;
  }

  // Items of `in (...)` and results of match arms: strings are text, not columns.
  Node literal(const ast::Expr& expr) {
    if (expr.kind == ast::ExprKind::string) {
      Node node;
      node.kind = Kind::text;
      node.text = expr.name;
      return node;
    }
    return compile(expr);
  }

  Node call(const ast::Expr& expr) {
    Node node;
    for (const FunctionSpec& spec : kFunctions) {
      if (spec.name != expr.name) continue;
      node.kind = spec.kind;
      if (expr.args.size() != spec.arity) {
        error(expr.loc, std::string(spec.name) + "() takes " + std::to_string(spec.arity) +
                            (spec.arity == 1 ? " argument" : " arguments") + ", not " +
                            std::to_string(expr.args.size()));
        return node;
      }
      if (!expr.matchers.empty() || !expr.by.empty())
        error(expr.loc, std::string(spec.name) + "() takes no labels");
      for (const ast::Expr& arg : expr.args) node.args.push_back(compile(arg));
      return node;
    }
    std::string message = "unknown function '" + expr.name + "' in an extract";
    std::string suggestion = did_you_mean(expr.name, function_names());
    if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
    message += " (extracts have date, age, days_between, working_days_between, is_blank, code)";
    error(expr.loc, message);
    return node;
  }

  Node match(const ast::Expr& expr) {
    Node node;
    node.kind = Kind::match;
    node.has_else = expr.has_else;
    node.match = std::make_shared<MatchArms>();
    std::size_t results = expr.args.size() - 1;
    if (expr.args.empty() || results != expr.patterns.size() + (expr.has_else ? 1 : 0)) {
      error(expr.loc, "a match needs one result for each pattern");
      return node;
    }
    node.args.push_back(compile(expr.args[0]));
    for (const std::string& pattern : expr.patterns) {
      try {
        // Case-insensitive: exports drift in case ("Care leaver" / "Care Leaver").
        node.match->regexes.emplace_back(pattern, std::regex::ECMAScript | std::regex::icase |
                                                      std::regex::optimize);
      } catch (const std::regex_error& failure) {
        error(expr.loc, "the pattern \"" + pattern + "\" is not a regular expression: " + failure.what());
        node.match->regexes.emplace_back();
      }
    }
    for (std::size_t i = 1; i < expr.args.size(); ++i) node.args.push_back(literal(expr.args[i]));
    return node;
  }

  std::string_view rules_file_;
  const HeaderIndex* header_;
  std::string_view data_file_;
  std::vector<Diagnostic>& diagnostics_;
  std::unordered_map<std::string, HeaderMatch> resolved_;
  bool failed_ = false;
};

// What only this library knows about: date formats, and that a mapping must sample something.
void check_date_format(const ast::ExtractDecl& decl, Compiler& compiler) {
  if (decl.date_format && !date_order_from_format(decl.date_format->value))
    compiler.error(decl.date_format->loc, "unknown date_format \"" + decl.date_format->value +
                                              "\": use \"dd/mm/yyyy\", \"mm/dd/yyyy\" or \"yyyy-mm-dd\"");
  bool any_sample = false;
  for (const ast::Binding& binding : decl.bindings)
    any_sample = any_sample || binding.kind == ast::BindingKind::sample;
  if (!any_sample) compiler.error(decl.loc, "extract '" + decl.name + "' has no `sample`: it would import nothing");
}

// What the rules checker also reports (so check_extract leaves it out), but an import must
// refuse: the same label twice would make an invalid sample line.
void check_bindings(const ast::ExtractDecl& decl, Compiler& compiler) {
  std::set<std::string> label_names, sample_names;
  for (const ast::Binding& binding : decl.bindings) {
    if (binding.kind == ast::BindingKind::sample) {
      if (!sample_names.insert(binding.name).second)
        compiler.error(binding.loc, "sample '" + binding.name + "' is given twice in extract '" + decl.name + "'");
    } else {
      if (!label_names.insert(binding.name).second)
        compiler.error(binding.loc, "label '" + binding.name + "' is given twice in extract '" + decl.name + "'");
    }
  }
}

}  // namespace

std::optional<CompiledMapping> compile_mapping(const ast::ExtractDecl& decl, std::string_view rules_file,
                                               const HeaderIndex& header, std::string_view data_file,
                                               std::vector<Diagnostic>& diagnostics) {
  CompiledMapping compiled;
  std::size_t first_new = diagnostics.size();
  Compiler compiler(rules_file, &header, data_file, diagnostics);
  check_date_format(decl, compiler);
  check_bindings(decl, compiler);
  for (const ast::Expr& filter : decl.filters) compiled.filters.push_back(compiler.compile(filter));
  for (const ast::Binding& binding : decl.bindings) {
    Node node = compiler.compile(binding.value);
    if (binding.kind == ast::BindingKind::sample) {
      compiled.samples.push_back(SampleBinding{binding.name, std::move(node)});
    } else {
      compiled.labels.push_back(LabelBinding{binding.name, std::move(node), binding.kind == ast::BindingKind::key,
                                             binding.name + "=\""});
    }
  }
  // Filters are compiled before bindings; report in the order the author wrote them.
  std::stable_sort(diagnostics.begin() + static_cast<std::ptrdiff_t>(first_new), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.loc.line, a.loc.column) < std::tie(b.loc.line, b.loc.column);
                   });
  if (compiler.failed()) return std::nullopt;
  return compiled;
}

}  // namespace detail

std::vector<Diagnostic> check_extract(const ast::ExtractDecl& decl, std::string_view rules_file) {
  std::vector<Diagnostic> diagnostics;
  detail::Compiler compiler(rules_file, nullptr, {}, diagnostics);
  detail::check_date_format(decl, compiler);
  for (const ast::Expr& filter : decl.filters) compiler.compile(filter);
  for (const ast::Binding& binding : decl.bindings) compiler.compile(binding.value);
  return diagnostics;
}

}  // namespace bandwatch::extract
