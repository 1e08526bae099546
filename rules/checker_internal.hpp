// The checker's internals, shared by its files (rules/checker*.cpp) and by nothing else: the
// label lists and wording its messages use, the types of expressions, the function table, what
// the program declares, and `Checker`, whose passes each live in a file of their own:
//
//   checker.cpp               the entry point: the passes in order, reporting, diagnostics sorted
//   checker_wording.cpp       label lists, quoting, articles, did-you-mean
//   checker_types.cpp         kinds and units of values, and how a message names them
//   checker_functions.cpp     the functions and aggregates a rule or derived metric may call
//   checker_names.cpp         pass 1 and 2: names declared, cycles, metrics resolved on demand
//   checker_expressions.cpp   expressions: units, labels, matchers, operators, calls
//   checker_messages.cpp      the placeholders of `message` and `resolved message`
//   checker_metrics.cpp       metric and extract declarations
//   checker_indicators.cpp    indicators, their bands, and benchmarks
//   checker_rules.cpp         rules and routes
//   checker_tests.cpp         `test` blocks: samples and expectations
//   checker_series.cpp        pass 4: the series each item is evaluated over (its driver metric),
//                             joins to it, and what needs the driver's labels, as the engine
//                             compiles them
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/checker.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::checking {

using ast::Location;
using ast::Unit;

// ---------------------------------------------------------------------------------------------
// Labels, kept in the order first met so messages list them as the author declared them; and the
// small pieces of wording every message uses (checker_wording.cpp).

using Labels = std::vector<std::string>;

bool has(const Labels& labels, std::string_view label);
void add(Labels& labels, const std::string& label);
void add_all(Labels& labels, const Labels& more);
/// "team, worker": the labels in order, comma-separated.
std::string joined(const Labels& labels);
/// "an" before a vowel sound as the kinds and colours here spell it, "a" otherwise.
std::string article(std::string_view word);
/// 'name', as messages quote every name.
std::string quoted(std::string_view name);
/// "; did you mean 'caseload'?" when a candidate is close enough, else nothing.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view open = "'", std::string_view close = "'");

// ---------------------------------------------------------------------------------------------
// Types of expressions (checker_types.cpp).

enum class Kind : std::uint8_t { unknown, number, duration, date, text, condition };

struct Type {
  Kind kind = Kind::unknown;
  // For numbers. `none` fits any unit: a bare literal (`20`, `1.05`) or a metric declared
  // without a unit. `number` is a declared dimensionless unit, or a ratio.
  Unit unit = Unit::none;
  // The quotient of two values of one unit: `a / b * 100` is a percent, `a / b * 10000` a rate
  // per 10,000 (DESIGN: `children_in_need / child_population * 10000` is rate_per_10k).
  bool ratio = false;
  std::optional<double> literal;  // the value of a bare number literal
};

Type number(Unit unit);
Type of_kind(Kind kind);
/// What a value is, for messages: "percent", "a duration", "text".
std::string describe(const Type& type);
/// How an operand reads in a message: `caseload (count)`, `20% (percent)`, `"x" (text)`.
std::string operand(const ast::Expr& expr, const Type& type);
/// Whether two values may be compared (or added): a unit-less literal fits any unit; an age in
/// days may be compared with a duration (`cp_plan_age >= 2 years` is measured on the calendar).
bool compatible(const Type& a, const Type& b);
/// Why a value in `unit` (or a ratio) cannot be declared in `declared`, or nullopt when it can.
std::optional<std::string> disagreement(Unit declared, Unit unit, bool ratio);
bool is_comparison(ast::Op op);

// ---------------------------------------------------------------------------------------------
// The functions a rule or derived metric may call (checker_functions.cpp).

enum class Result : std::uint8_t { same_as_first, percent, days };

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  Result result;
  bool second_is_duration;  // the look-back window: `pct_change(x, 1 year)`
  std::string_view usage;
};

bool is_aggregate(std::string_view name);
/// The function called `name`, or null (aggregates are not in this table).
const Function* find_function(std::string_view name);
/// Every function and aggregate name, for did-you-mean.
std::vector<std::string> function_names();

// ---------------------------------------------------------------------------------------------
// What the program declares.

struct MetricInfo {
  std::string name;
  const ast::MetricDecl* decl = nullptr;          // null: an indicator's implicit metric
  const ast::IndicatorDecl* indicator = nullptr;  // set for the implicit metric
  std::size_t file = 0;
  std::size_t order = 0;  // declaration order across the program
  Unit unit = Unit::none;
  bool ratio = false;
  Labels labels;
  bool labels_open = false;  // unknown labels (a cycle): accept any rather than cascade errors
  enum class State : std::uint8_t { unresolved, resolving, resolved } state = State::unresolved;
};

struct Declared {
  std::string_view kind;
  std::size_t file = 0;
  Location loc;
  const void* decl = nullptr;
};

/// Where an identifier is being resolved, which decides what bare names may mean.
enum class Context : std::uint8_t { rule, metric, band_scope };

struct Scope {
  Context context = Context::rule;
  std::string owner;  // "rule 'x'", "metric 'x'", "indicator 'x'"
  std::size_t file = 0;
  Labels labels;       // labels usable as bare names
  bool labels_open = false;
  bool permissive = false;  // a silent pre-pass collecting labels: resolve nothing strictly
};

struct Info {
  Type type;
  Labels labels;  // the labels of the series the expression yields
  bool labels_open = false;
};

/// What a message's placeholders other than {value}, {band} and the labels read, or why they
/// cannot be used in it.
struct MessageContext {
  std::string entry;  // the metric or indicator {benchmark.NAME} takes NAME's value for
  std::optional<std::string> target_problem, previous_problem, benchmark_problem;
};

struct Entry {
  std::size_t file = 0;
  Diagnostic diagnostic;
};

/// The series an item is evaluated over, as the engine compiles it: its driver metric (the one
/// read with the most labels) and the driver's labels, sorted. Every other metric read is
/// joined to the driver's series by the labels it shares.
struct Series {
  std::string owner;  // the item: aggregates inside it are numbered `owner#1`, `owner#2`, ...
  std::string driver;
  Labels labels;
};

/// One check of a program: built over its files, `run` once.
class Checker {
 public:
  explicit Checker(const std::vector<ast::File>& files) : files_(files) {}

  std::vector<Diagnostic> run();

 private:
  // ----- reporting (checker.cpp) --------------------------------------------------------------

  void report(Severity severity, std::size_t file, Location loc, std::string message);
  void error(std::size_t file, Location loc, std::string message);
  void warning(std::size_t file, Location loc, std::string message);
  void note(std::size_t file, Location loc, std::string message);
  std::vector<Diagnostic> ordered();

  // ----- pass 1 and 2: names, cycles, metrics resolved on demand (checker_names.cpp) ----------

  struct Edge {
    std::string target;
    Location loc;
  };

  bool declare(std::map<std::string, Declared>& space, const std::string& name, Declared declared,
               std::string_view display);
  void collect();
  static void metric_refs(const ast::Expr& expr, std::vector<Edge>& out);
  bool is_derived(const std::string& name) const;
  void find_cycles();
  MetricInfo* metric(const std::string& name);
  Scope metric_scope(const MetricInfo& info);
  void scope_labels(const ast::Expr& expr, Scope& scope);
  Type metric_type(const MetricInfo& info) const;

  // ----- expressions (checker_expressions.cpp) ------------------------------------------------
  // Several are kept out of line: expressions nest up to ast::kMaxExpressionDepth, and the
  // messages need sizeable locals that should not sit in every recursive frame.

  Info walk(const ast::Expr& expr, const Scope& scope);
  Info walk_node(const ast::Expr& expr, const Scope& scope);
  static void merge_labels(Info& into, const Info& from);
  [[gnu::noinline]] void expect_condition(const ast::Expr& expr, const Type& type, const Scope& scope,
                                          std::string_view what);
  void check_matchers(const std::vector<ast::LabelMatcher>& matchers, const std::string& owner,
                      const Labels& labels, bool open, std::size_t file);
  static std::string no_label(const std::string& owner, const std::string& label, const Labels& labels);
  [[gnu::noinline]] Info walk_ref(const ast::Expr& expr, const Scope& scope);
  static std::string entry_of(const std::string& dotted, std::size_t dot);
  [[gnu::noinline]] Info walk_benchmark_ref(const ast::Expr& expr, std::size_t dot, const Scope& scope);
  [[gnu::noinline]] Info walk_aggregate(const ast::Expr& expr, const Scope& scope);
  [[gnu::noinline]] Info walk_call(const ast::Expr& expr, const Scope& scope);
  Info walk_binary(const ast::Expr& expr, const Scope& scope);
  [[gnu::noinline]] Type binary_type(const ast::Expr& expr, const Type& a, const Type& b,
                                     const Scope& scope);
  [[gnu::noinline]] void report_negation(std::size_t file, const ast::Expr& expr, const Type& type);
  [[gnu::noinline]] void report_incompatible(std::size_t file, const ast::Expr& left, const Type& a,
                                             const ast::Expr& right, const Type& b);
  [[gnu::noinline]] Type arithmetic(const ast::Expr& expr, const Type& a, const Type& b, std::size_t file);

  // ----- pass 3: each declaration -------------------------------------------------------------

  // checker_metrics.cpp
  void check_item(const ast::MetricDecl& decl, std::size_t file);
  void check_expect_every(const std::optional<ast::Located<Duration>>& every, std::size_t file);
  void check_stale_routes(const std::vector<ast::Located<std::string>>& routes,
                          const std::optional<ast::Located<Duration>>& every, const std::string& owner,
                          std::size_t file);
  void check_item(const ast::ExtractDecl& decl, std::size_t file);
  static Type extract_type(const ast::Expr& expr);

  // checker_indicators.cpp
  std::optional<double> in_unit(const ast::Quantity& quantity, Unit unit, const std::string& what,
                                const std::string& owner, std::size_t file, Location loc);
  void check_item(const ast::IndicatorDecl& decl, std::size_t file);
  void check_bands(const ast::BandSet& set, Unit unit, const ast::IndicatorDecl& decl,
                   const std::string& owner, std::size_t file);
  void check_benchmark_limit(const std::string& name, const std::string& indicator, Location at,
                             std::size_t file);
  void check_item(const ast::BenchmarkDecl& decl, std::size_t file);

  // checker_rules.cpp
  void check_item(const ast::RouteDecl& decl, std::size_t file);
  void check_route(const std::string& name, Location loc, std::size_t file);
  Scope rule_scope(const ast::RuleDecl& decl, std::size_t file);
  void check_item(const ast::RuleDecl& decl, std::size_t file);

  // checker_messages.cpp
  MessageContext rule_message_context(const ast::RuleDecl& decl);
  void check_message(const ast::Located<std::string>& message, const Scope& scope,
                     const MessageContext& context, std::size_t file);

  // checker_tests.cpp
  void check_item(const ast::TestDecl& decl, std::size_t file);
  void check_expect(const ast::ExpectStep& step, std::size_t file);

  // ----- pass 4: the series each item is evaluated over (checker_series.cpp) -----------------
  // Run on the items pass 3 found no error in; each stops at its first error, as one mistake
  // in a join makes the rest of the item meaningless.

  void check_series();
  void series_item(const ast::IndicatorDecl& decl, std::size_t file);
  void series_item(const ast::RuleDecl& decl, std::size_t file);
  template <typename Decl>
  void series_item(const Decl&, std::size_t) {}
  bool series_error(std::size_t file, Location loc, std::string message);
  std::optional<Labels> series_labels(const std::string& name);
  bool is_metric(const std::string& name) const;
  bool collect_series(const ast::Expr& expr, const std::string& owner, std::size_t file,
                      std::vector<std::pair<std::string, Labels>>& out);
  std::optional<Series> start_series(const std::vector<const ast::Expr*>& exprs, const std::string& owner,
                                     const std::string& what, std::size_t file);
  std::optional<Labels> derive_series(const std::string& name, const ast::Expr& expr, std::size_t file);
  std::optional<std::string> anonymous_series(const ast::Expr& expr, const std::string& owner, std::size_t file);
  bool join(const Series& series, const std::string& metric, const Labels& labels,
            const std::vector<ast::LabelMatcher>& matchers, Location loc, std::size_t file);
  bool is_driver_label(const Series& series, const ast::Expr& expr) const;
  bool series_expr(const Series& series, const ast::Expr& expr, std::size_t file);
  bool series_ref(const Series& series, const ast::Expr& expr, std::size_t file);
  bool series_call(const Series& series, const ast::Expr& expr, std::size_t file);
  bool series_binary(const Series& series, const ast::Expr& expr, std::size_t file);

  // ----- state --------------------------------------------------------------------------------

  const std::vector<ast::File>& files_;
  std::vector<Entry> entries_;
  int quiet_ = 0;  // > 0 while walking only to learn units and labels: report nothing
  std::size_t errors_ = 0;  // errors reported so far

  std::map<std::string, Declared> metric_names_;
  std::map<std::string, MetricInfo> metrics_;  // declared, and indicators' implicit metrics
  std::map<std::string, Declared> alerts_;     // indicators and rules
  std::map<std::string, Declared> routes_;
  std::map<std::string, Declared> benchmarks_;
  std::map<std::string, Declared> extracts_;
  std::map<std::string, Declared> tests_;
  std::set<std::string> all_labels_;  // every label any metric or extract declares
  std::set<std::string> cyclic_;
  std::vector<std::string> post_order_;  // derived metrics, each after everything it reads

  // Pass 4.
  std::set<const void*> faulty_;  // items pass 3 reported an error in
  std::map<std::string, std::optional<Labels>> derived_series_;  // nullopt: failed, reported
  std::map<const ast::Expr*, std::optional<std::string>> anonymous_;  // aggregates inside items
  std::map<std::string, Labels> anonymous_labels_;
  std::map<std::string, int> anonymous_count_;

  // Candidates for did-you-mean.
  std::vector<std::string> metric_list_;
  std::vector<std::string> indicator_list_;
  std::vector<std::string> alert_list_;
  std::vector<std::string> route_list_;
  std::vector<std::string> benchmark_list_;
};

}  // namespace bandwatch::checking
