// Private to engine/: the compiler from checked ASTs to a Program (program.hpp), shared by its
// files and by nothing else. `compile` (program.hpp) builds one Compiler and runs it; its parts
// each live in a file of their own:
//
//   compile.cpp              the program assembled: declarations gathered, metrics declared,
//                            items compiled in order, staleness, retention, what may be sent
//   compile_derived.cpp      derived metrics in dependency order, aggregates inside rules made
//                            anonymous derived metrics
//   compile_references.cpp   an expression's driver metric, and each metric it reads joined to
//                            the driver's series
//   compile_expressions.cpp  expressions flattened to node arrays: literals, labels, calls,
//                            history windows, operators and their units
//   compile_indicators.cpp   indicators: cohort, band sets and their priority, messages
//   compile_rules.cpp        rules: conditions, hold, escalations, routes, messages
//   compile_messages.cpp     message texts split into literal text and placeholders
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "program.hpp"

namespace bandwatch::engine::detail::compiling {

inline std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

/// A quantity as the author wrote it (or formatted in its unit), for {target} and band texts.
std::string quantity_text(const ast::Quantity& q);
/// A band's limits as written: `>= 95%`, `90% .. 94%`, `>= 90% and < 95%`.
std::string bound_text(const ast::Band& band);

/// A compiled (sub)expression: its root node, its unit, and whether it is a condition.
struct Compiled {
  std::uint32_t node = kNone;
  ast::Unit unit = ast::Unit::none;
  bool boolean = false;
};

/// What a message's {target}, {previous} and {benchmark.NAME} read; `problem` is set when a
/// placeholder cannot be filled (which the checker refuses first).
struct MessageSource {
  bool indicator = false;
  std::string target_text;                 // a rule's constant right-hand side, as written
  std::uint32_t target_benchmark = kNone;  // or a benchmark value
  bool previous = false;
  std::string entry;                       // the metric or indicator of {benchmark.NAME}
  std::string problem;
};

/// One compilation of a program: built over its files and the Program to fill, `run` once.
/// The files have passed the checker (rules/checker.hpp), the one judge of a program: the
/// compiler relies on what it refused (names, units, labels, joins, what an expression may
/// hold; rules/checker_series.cpp makes the compiler's own choices). Where the compiler still
/// finds something it cannot compile, it reports an internal error: a bug in one of the two.
class Compiler {
 public:
  Compiler(const std::vector<ast::File>& files, Program& program)
      : files_(files), strings_(program.names), p_(program) {}

  std::vector<Diagnostic> run();

 private:
  // ---- the program assembled (compile.cpp) ----
  /// An invariant the checker should have kept, broken: "internal error: ... (the checker
  /// should have refused this)", so the program is refused rather than half compiled.
  void unchecked(const ast::File& file, ast::Location loc, std::string message);
  void gather();
  std::uint32_t new_metric(const std::string& name, ast::Unit unit, std::vector<std::string> labels);
  void declare_metrics();
  static std::vector<std::string> route_names(const std::vector<ast::Located<std::string>>& routes);
  void compile_stale();
  void order_items();
  void finish_metrics();
  /// The program's index of a benchmark's values for `entry`, adding them on first use; kNone
  /// when there are none.
  std::uint32_t benchmark_index(const std::string& bench, const std::string& entry);

  // ---- derived metrics (compile_derived.cpp) ----
  std::uint32_t ensure_derived(const std::string& name);
  std::uint32_t compile_derived(const ast::File& file, const std::string& name, const ast::Expr& expr,
                                ast::Unit declared_unit, bool anonymous);
  std::uint32_t metric_named(const std::string& name);
  std::uint32_t anonymous_metric(const ast::File& file, const ast::Expr& expr, const std::string& owner);

  // ---- the driver and the metrics read (compile_references.cpp) ----
  void collect_metrics(const ast::File& file, const ast::Expr& expr, const std::string& owner,
                       std::vector<std::uint32_t>& out, bool& ok);
  bool start_program(const ast::File& file, ExprProgram& program, std::vector<const ast::Expr*> exprs,
                     const std::string& owner, const std::string& what);
  std::uint32_t add_node(ExprProgram& program, ExprNode node);
  bool driver_has_label(const ExprProgram& program, std::uint32_t label) const;
  std::uint32_t add_ref(const ast::File& file, ExprProgram& program, std::uint32_t metric,
                        const std::vector<ast::LabelMatcher>& matchers, ast::Location loc);
  std::uint32_t label_of(const ExprProgram& program, const ast::Expr& expr);
  std::uint32_t label_text(const std::string& value);

  // ---- expressions (compile_expressions.cpp) ----
  Compiled compile_label_comparison(const ast::File& file, ExprProgram& program, const ast::Expr& expr);
  static std::optional<Duration> duration_of(const ast::Expr& expr);
  Compiled compile_expr(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                        Compiled* value_root);
  Compiled compile_ref(const ast::File& file, ExprProgram& program, const ast::Expr& expr);
  Compiled compile_call(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                        Compiled* value_root);
  Compiled compile_binary(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                          Compiled* value_root);

  // ---- items (compile_indicators.cpp, compile_rules.cpp, compile_messages.cpp) ----
  void compile_indicator(const ast::File& file, const ast::IndicatorDecl& decl);
  void compile_rule(const ast::File& file, const ast::RuleDecl& decl);
  std::vector<MessagePart> parse_message(const std::string& text, const ExprProgram& program,
                                         MessageSource& source);

  // ---- state ----
  const std::vector<ast::File>& files_;
  StringPool& strings_;
  Program& p_;
  std::vector<Diagnostic> diags_;
  std::string owner_;

  std::map<std::string, std::pair<const ast::File*, const ast::MetricDecl*>> metric_decls_;
  std::vector<std::string> metric_order_;
  std::map<std::string, int> derived_decls_;
  std::vector<std::pair<const ast::File*, const ast::IndicatorDecl*>> indicator_decls_;
  std::vector<std::pair<const ast::File*, const ast::RuleDecl*>> rule_decls_;
  std::vector<std::pair<const ast::File*, const ast::ExtractDecl*>> extract_decls_;
  std::vector<std::pair<ItemKind, std::string>> source_order_;
  std::set<std::string> alert_names_;
  std::map<std::string, std::map<std::string, BenchmarkValues>> benchmarks_;
  std::set<std::string> routes_;
  std::set<std::string> visiting_, failed_;
  std::map<const ast::Expr*, std::uint32_t> anonymous_;
  std::map<std::string, int> anonymous_count_;
  std::vector<StaleDef> stale_sources_;
};

}  // namespace bandwatch::engine::detail::compiling
