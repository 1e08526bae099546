#include "rules/checker.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "band_coverage.hpp"
#include "rules/route_members.hpp"

namespace bandwatch {
namespace {

using ast::Location;
using ast::Unit;

// ---------------------------------------------------------------------------------------------
// Labels, kept in the order first met so messages list them as the author declared them.

using Labels = std::vector<std::string>;

bool has(const Labels& labels, std::string_view label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

void add(Labels& labels, const std::string& label) {
  if (!has(labels, label)) labels.push_back(label);
}

void add_all(Labels& labels, const Labels& more) {
  for (const std::string& label : more) add(labels, label);
}

std::string joined(const Labels& labels) {
  std::string out;
  for (const std::string& label : labels) out += (out.empty() ? "" : ", ") + label;
  return out;
}

/// "an" before a vowel sound as the kinds and colours here spell it, "a" otherwise.
std::string article(std::string_view word) {
  return !word.empty() && std::string_view("aeio").find(word.front()) != std::string_view::npos
             ? "an"
             : "a";
}

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

/// "; did you mean 'caseload'?" when a candidate is close enough, else nothing.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates,
                       std::string_view open = "'", std::string_view close = "'") {
  std::string best = did_you_mean(word, candidates);
  if (best.empty()) return {};
  return "; did you mean " + std::string(open) + best + std::string(close) + "?";
}

// ---------------------------------------------------------------------------------------------
// Types of expressions.

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

Type number(Unit unit) { return Type{Kind::number, unit, false, std::nullopt}; }
Type of_kind(Kind kind) { return Type{kind, Unit::none, false, std::nullopt}; }

/// What a value is, for messages: "percent", "a duration", "text".
std::string describe(const Type& type) {
  switch (type.kind) {
    case Kind::unknown: return "unknown";
    case Kind::number:
      if (type.ratio) return "a ratio";
      if (type.unit == Unit::none) return "a number";
      return std::string(ast::to_string(type.unit));
    case Kind::duration: return "a duration";
    case Kind::date: return "a date";
    case Kind::text: return "text";
    case Kind::condition: return "a condition";
  }
  return "unknown";
}

/// How an operand reads in a message: `caseload (count)`, `20% (percent)`, `"x" (text)`.
std::string operand(const ast::Expr& expr, const Type& type) {
  std::string spelling;
  switch (expr.kind) {
    case ast::ExprKind::ref: spelling = expr.name; break;
    case ast::ExprKind::number:
      spelling = expr.quantity.text.empty() ? format_amount(expr.quantity.value, expr.quantity.unit)
                                            : expr.quantity.text;
      break;
    case ast::ExprKind::string: spelling = "\"" + expr.name + "\""; break;
    case ast::ExprKind::date: spelling = expr.date.iso(); break;
    case ast::ExprKind::call:
    case ast::ExprKind::aggregate: spelling = expr.name + "(...)"; break;
    default: return "the expression (" + describe(type) + ")";
  }
  return spelling + " (" + describe(type) + ")";
}

/// Whether two values may be compared (or added): a unit-less literal fits any unit; an age in
/// days may be compared with a duration (`cp_plan_age >= 2 years` is measured on the calendar).
bool compatible(const Type& a, const Type& b) {
  if (a.kind == Kind::unknown || b.kind == Kind::unknown) return true;
  if (a.kind == Kind::number && b.kind == Kind::number)
    return a.unit == Unit::none || b.unit == Unit::none || (a.unit == b.unit && a.ratio == b.ratio);
  if (a.kind == Kind::number && b.kind == Kind::duration)
    return a.unit == Unit::none || a.unit == Unit::days;
  if (a.kind == Kind::duration && b.kind == Kind::number)
    return b.unit == Unit::none || b.unit == Unit::days;
  return a.kind == b.kind;
}

/// Why a value in `unit` (or a ratio) cannot be declared in `declared`, or nullopt when it can.
/// A ratio of counts is a fraction of 1, so declaring it a percent would show 0.95 as 0.95%.
std::optional<std::string> disagreement(Unit declared, Unit unit, bool ratio) {
  if (ratio) {
    if (declared == Unit::number || declared == Unit::none) return std::nullopt;
    std::string what = "a ratio (a fraction of 1)";
    if (declared == Unit::percent) return what + "; multiply it by 100 for a percent";
    if (declared == Unit::rate_per_10k) return what + "; multiply it by 10000 for a rate per 10,000";
    return what;
  }
  if (unit == Unit::none || declared == Unit::none || unit == declared) return std::nullopt;
  return std::string(ast::to_string(unit));
}

bool is_comparison(ast::Op op) {
  switch (op) {
    case ast::Op::less:
    case ast::Op::less_equal:
    case ast::Op::greater:
    case ast::Op::greater_equal:
    case ast::Op::equal:
    case ast::Op::not_equal: return true;
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The functions a rule or derived metric may call. Extract expressions are mappings of columns
// and are left to the importer.

enum class Result : std::uint8_t { same_as_first, percent, days };

struct Function {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  Result result;
  bool second_is_duration;  // the look-back window: `pct_change(x, 1 year)`
  std::string_view usage;
};

constexpr Function kFunctions[] = {
    {"pct_change", 2, 3, Result::percent, true, "pct_change(metric, 1 year) or pct_change(metric, 1 year, 45 days)"},
    {"change", 2, 3, Result::same_as_first, true, "change(metric, 1 year) or change(metric, 1 year, 45 days)"},
    {"prev", 1, 3, Result::same_as_first, true, "prev(metric), prev(metric, 1 year) or prev(metric, 1 year, 45 days)"},
    {"avg_over", 2, 2, Result::same_as_first, true, "avg_over(metric, 3 months)"},
    {"sum_over", 2, 2, Result::same_as_first, true, "sum_over(metric, 3 months)"},
    {"min_over", 2, 2, Result::same_as_first, true, "min_over(metric, 3 months)"},
    {"max_over", 2, 2, Result::same_as_first, true, "max_over(metric, 3 months)"},
    {"age", 1, 1, Result::days, false, "age(metric)"},
    {"abs", 1, 1, Result::same_as_first, false, "abs(expression)"},
};

constexpr std::string_view kAggregates[] = {"count", "sum", "avg", "min", "max", "share"};

bool is_aggregate(std::string_view name) {
  return std::find(std::begin(kAggregates), std::end(kAggregates), name) != std::end(kAggregates);
}

const Function* find_function(std::string_view name) {
  for (const Function& function : kFunctions)
    if (function.name == name) return &function;
  return nullptr;
}

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const Function& function : kFunctions) names.emplace_back(function.name);
  for (std::string_view name : kAggregates) names.emplace_back(name);
  return names;
}

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

class Checker {
 public:
  explicit Checker(const std::vector<ast::File>& files) : files_(files) {}

  std::vector<Diagnostic> run() {
    collect();
    find_cycles();
    for (std::size_t f = 0; f < files_.size(); ++f)
      for (const ast::Item& item : files_[f].items)
        std::visit([&](const auto& decl) { check_item(decl, f); }, item);
    return ordered();
  }

 private:
  // ----- reporting ---------------------------------------------------------------------------

  void report(Severity severity, std::size_t file, Location loc, std::string message) {
    if (quiet_ > 0) return;
    entries_.push_back({file, Diagnostic{files_[file].path, loc, severity, std::move(message)}});
  }
  void error(std::size_t file, Location loc, std::string message) {
    report(Severity::error, file, loc, std::move(message));
  }
  void warning(std::size_t file, Location loc, std::string message) {
    report(Severity::warning, file, loc, std::move(message));
  }
  void note(std::size_t file, Location loc, std::string message) {
    report(Severity::note, file, loc, std::move(message));
  }

  /// By file, then position; a note stays right after the diagnostic it explains.
  std::vector<Diagnostic> ordered() {
    std::vector<std::vector<Entry>> groups;
    for (Entry& entry : entries_) {
      if (entry.diagnostic.severity == Severity::note && !groups.empty())
        groups.back().push_back(std::move(entry));
      else
        groups.push_back({std::move(entry)});
    }
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      const Entry& x = a.front();
      const Entry& y = b.front();
      return std::tie(x.file, x.diagnostic.loc.line, x.diagnostic.loc.column) <
             std::tie(y.file, y.diagnostic.loc.line, y.diagnostic.loc.column);
    });
    std::vector<Diagnostic> out;
    for (auto& group : groups)
      for (Entry& entry : group) out.push_back(std::move(entry.diagnostic));
    return out;
  }

  // ----- pass 1: names -----------------------------------------------------------------------

  /// Declares `name` in `space`; on a clash reports the later one and notes the first.
  bool declare(std::map<std::string, Declared>& space, const std::string& name, Declared declared,
               std::string_view display) {
    auto [it, inserted] = space.emplace(name, declared);
    if (inserted) return true;
    const Declared& first = it->second;
    if (first.kind == declared.kind) {
      error(declared.file, declared.loc,
            std::string(declared.kind) + " " + std::string(display) + " is already declared");
      note(first.file, first.loc, "first declaration of " + std::string(display) + " is here");
    } else {
      // Only indicators and rules share a namespace: both name alerts.
      error(declared.file, declared.loc,
            std::string(declared.kind) + " " + std::string(display) + " has the name of " +
                article(first.kind) + " " + std::string(first.kind) +
                "; indicators and rules name alerts, so their names must differ");
      note(first.file, first.loc,
           "the " + std::string(first.kind) + " " + std::string(display) + " is declared here");
    }
    return false;
  }

  void collect() {
    std::size_t order = 0;
    std::vector<std::pair<const ast::IndicatorDecl*, std::size_t>> indicators;
    for (std::size_t f = 0; f < files_.size(); ++f) {
      for (const ast::Item& item : files_[f].items) {
        ++order;
        if (const auto* metric = std::get_if<ast::MetricDecl>(&item)) {
          if (declare(metric_names_, metric->name, {"metric", f, metric->loc, metric},
                      quoted(metric->name))) {
            MetricInfo info;
            info.name = metric->name;
            info.decl = metric;
            info.file = f;
            info.order = order;
            if (metric->unit) info.unit = metric->unit->value;
            if (metric->labels) add_all(info.labels, metric->labels->value);
            if (!metric->derived) info.state = MetricInfo::State::resolved;
            metrics_.emplace(metric->name, std::move(info));
          }
          if (metric->labels)
            for (const std::string& label : metric->labels->value) all_labels_.insert(label);
        } else if (const auto* indicator = std::get_if<ast::IndicatorDecl>(&item)) {
          if (declare(alerts_, indicator->name, {"indicator", f, indicator->loc, indicator},
                      quoted(indicator->name)))
            indicators.emplace_back(indicator, f);
        } else if (const auto* rule = std::get_if<ast::RuleDecl>(&item)) {
          declare(alerts_, rule->name, {"rule", f, rule->loc, rule}, quoted(rule->name));
        } else if (const auto* benchmark = std::get_if<ast::BenchmarkDecl>(&item)) {
          declare(benchmarks_, benchmark->name, {"benchmark", f, benchmark->loc, benchmark},
                  quoted(benchmark->name));
        } else if (const auto* route = std::get_if<ast::RouteDecl>(&item)) {
          declare(routes_, route->name, {"route", f, route->loc, route}, quoted(route->name));
        } else if (const auto* extract = std::get_if<ast::ExtractDecl>(&item)) {
          declare(extracts_, extract->name, {"extract", f, extract->loc, extract},
                  quoted(extract->name));
          for (const ast::Binding& binding : extract->bindings)
            if (binding.kind != ast::BindingKind::sample) all_labels_.insert(binding.name);
        } else if (const auto* test = std::get_if<ast::TestDecl>(&item)) {
          declare(tests_, test->name, {"test", f, test->loc, test}, "\"" + test->name + "\"");
        }
      }
    }
    // An indicator without a metric of its name reads a label-less metric in its own unit;
    // rules may refer to it like any other metric.
    for (auto [indicator, f] : indicators) {
      if (metrics_.count(indicator->name)) continue;
      MetricInfo info;
      info.name = indicator->name;
      info.indicator = indicator;
      info.file = f;
      info.order = 0;
      if (indicator->unit) info.unit = indicator->unit->value;
      info.state = MetricInfo::State::resolved;
      metrics_.emplace(indicator->name, std::move(info));
    }
    for (const auto& [name, info] : metrics_) metric_list_.push_back(name);
    for (const auto& [name, declared] : alerts_)
      if (declared.kind == "indicator") indicator_list_.push_back(name);
    for (const auto& [name, declared] : alerts_) alert_list_.push_back(name);
    for (const auto& [name, declared] : routes_) route_list_.push_back(name);
    for (const auto& [name, declared] : benchmarks_) benchmark_list_.push_back(name);
  }

  // ----- pass 2: cycles among derived metrics -------------------------------------------------

  struct Edge {
    std::string target;
    Location loc;
  };

  static void metric_refs(const ast::Expr& expr, std::vector<Edge>& out) {
    if (expr.kind == ast::ExprKind::ref) {
      bool seen = std::any_of(out.begin(), out.end(),
                              [&](const Edge& edge) { return edge.target == expr.name; });
      if (!seen) out.push_back({expr.name, expr.loc});
    }
    for (const ast::Expr& arg : expr.args) metric_refs(arg, out);
  }

  bool is_derived(const std::string& name) const {
    auto it = metrics_.find(name);
    return it != metrics_.end() && it->second.decl && it->second.decl->derived;
  }

  void find_cycles() {
    std::map<std::string, std::vector<Edge>> edges;
    std::vector<std::string> derived;
    for (const auto& [name, info] : metrics_) {
      if (!is_derived(name)) continue;
      derived.push_back(name);
      std::vector<Edge>& out = edges[name];
      metric_refs(*info.decl->derived, out);
      std::erase_if(out, [&](const Edge& edge) { return !is_derived(edge.target); });
    }
    std::sort(derived.begin(), derived.end(), [&](const std::string& a, const std::string& b) {
      return metrics_.at(a).order < metrics_.at(b).order;
    });

    enum class Colour : std::uint8_t { white, grey, black };
    std::map<std::string, Colour> colour;
    std::vector<std::string> stack;
    std::set<std::vector<std::string>> reported;
    auto report_cycle = [&](std::vector<std::string> cycle) {
      // Start at the member declared first, so each cycle reads the same however it was found.
      auto first = std::min_element(cycle.begin(), cycle.end(), [&](const auto& a, const auto& b) {
        return metrics_.at(a).order < metrics_.at(b).order;
      });
      std::rotate(cycle.begin(), first, cycle.end());
      for (const std::string& name : cycle) cyclic_.insert(name);
      if (!reported.insert(cycle).second) return;
      std::string path;
      for (const std::string& name : cycle) path += name + " -> ";
      path += cycle.front();
      const std::string& next = cycle.size() > 1 ? cycle[1] : cycle[0];
      const MetricInfo& head = metrics_.at(cycle.front());
      Location at = head.decl->loc;
      for (const Edge& edge : edges[cycle.front()])
        if (edge.target == next) at = edge.loc;
      if (cycle.size() == 1)
        error(head.file, at, "metric " + quoted(head.name) + " is defined in terms of itself: " + path);
      else
        error(head.file, at, "derived metrics form a cycle: " + path);
    };
    // Depth-first with an explicit stack: a generated program may chain thousands of derived
    // metrics. Post-order lists each metric after everything it reads.
    std::vector<std::string> post_order;
    for (const std::string& root : derived) {
      if (colour[root] != Colour::white) continue;
      std::vector<std::pair<std::string, std::size_t>> frames = {{root, 0}};
      colour[root] = Colour::grey;
      stack.push_back(root);
      while (!frames.empty()) {
        auto& [name, next_edge] = frames.back();
        const std::vector<Edge>& out = edges[name];
        if (next_edge == out.size()) {
          colour[name] = Colour::black;
          post_order.push_back(name);
          stack.pop_back();
          frames.pop_back();
          continue;
        }
        const std::string& target = out[next_edge++].target;
        Colour state = colour[target];
        if (state == Colour::grey) {
          auto from = std::find(stack.begin(), stack.end(), target);
          report_cycle(std::vector<std::string>(from, stack.end()));
        } else if (state == Colour::white) {
          colour[target] = Colour::grey;
          stack.push_back(target);
          frames.emplace_back(target, 0);  // invalidates `name`, which is not used again
        }
      }
    }
    // Resolving in this order means no resolution recurses into another.
    for (const std::string& name : post_order) metric(name);
  }

  // ----- metrics, resolved on demand ----------------------------------------------------------

  /// The metric called `name` with its unit and labels worked out; null when there is none.
  MetricInfo* metric(const std::string& name) {
    auto it = metrics_.find(name);
    if (it == metrics_.end()) return nullptr;
    MetricInfo& info = it->second;
    if (info.state != MetricInfo::State::unresolved) return &info;
    info.state = MetricInfo::State::resolving;
    if (cyclic_.count(name)) {
      info.labels_open = true;
    } else {
      ++quiet_;
      Scope scope = metric_scope(info);
      Info result = walk(*info.decl->derived, scope);
      --quiet_;
      info.labels = result.labels;
      info.labels_open = result.labels_open;
      if (!info.decl->unit && result.type.kind == Kind::number) {
        info.unit = result.type.unit;
        info.ratio = result.type.ratio;
      }
    }
    info.state = MetricInfo::State::resolved;
    return &info;
  }

  Scope metric_scope(const MetricInfo& info) {
    Scope scope;
    scope.context = Context::metric;
    scope.owner = "metric " + quoted(info.name);
    scope.file = info.file;
    scope_labels(*info.decl->derived, scope);
    return scope;
  }

  /// Fills the labels a scope's bare names may use: those of the series the expression yields.
  void scope_labels(const ast::Expr& expr, Scope& scope) {
    Scope loose = scope;
    loose.permissive = true;
    ++quiet_;
    Info info = walk(expr, loose);
    --quiet_;
    add_all(scope.labels, info.labels);
    scope.labels_open = scope.labels_open || info.labels_open;
  }

  Type metric_type(const MetricInfo& info) const {
    if (info.labels_open && info.unit == Unit::none) return of_kind(Kind::unknown);
    Type type = number(info.unit);
    type.ratio = info.ratio;
    return type;
  }

  // ----- expressions ---------------------------------------------------------------------------

  // Recursion is safe: the parser refuses trees deeper than ast::kMaxExpressionDepth.
  Info walk(const ast::Expr& expr, const Scope& scope) { return walk_node(expr, scope); }

  Info walk_node(const ast::Expr& expr, const Scope& scope) {
    switch (expr.kind) {
      case ast::ExprKind::number: {
        if (expr.quantity.duration) return {of_kind(Kind::duration), {}, false};
        Type type = number(expr.quantity.unit);
        if (expr.quantity.unit == Unit::none) type.literal = expr.quantity.value;
        return {type, {}, false};
      }
      case ast::ExprKind::string: return {of_kind(Kind::text), {}, false};
      case ast::ExprKind::date: return {of_kind(Kind::date), {}, false};
      case ast::ExprKind::ref: return walk_ref(expr, scope);
      case ast::ExprKind::call:
        if (is_aggregate(expr.name)) return walk_aggregate(expr, scope);
        return walk_call(expr, scope);
      case ast::ExprKind::aggregate: return walk_aggregate(expr, scope);
      case ast::ExprKind::unary: {
        if (expr.args.empty()) return {};
        Info info = walk(expr.args[0], scope);
        if (expr.op == ast::Op::logical_not) {
          expect_condition(expr.args[0], info.type, scope, "`not` needs a condition");
          info.type = of_kind(Kind::condition);
        } else if (info.type.kind != Kind::number && info.type.kind != Kind::unknown &&
                   info.type.kind != Kind::duration) {
          report_negation(scope.file, expr.args[0], info.type);
          info.type = of_kind(Kind::unknown);
        }
        return info;
      }
      case ast::ExprKind::binary: return walk_binary(expr, scope);
      case ast::ExprKind::in_list: {
        if (expr.args.empty()) return {};
        Info info = walk(expr.args[0], scope);
        for (std::size_t i = 1; i < expr.args.size(); ++i) {
          Info item = walk(expr.args[i], scope);
          merge_labels(info, item);
          if (!compatible(info.type, item.type))
            report_incompatible(scope.file, expr.args[0], info.type, expr.args[i], item.type);
        }
        info.type = of_kind(Kind::condition);
        return info;
      }
      case ast::ExprKind::match: {
        // A mapping of extract columns; only meaningful in extracts, which are not walked.
        Info info;
        for (const ast::Expr& arg : expr.args) merge_labels(info, walk(arg, scope));
        info.type = of_kind(Kind::unknown);
        return info;
      }
    }
    return {};
  }

  /// Arithmetic and comparisons of series yield the union of their labels: `vacancies / establishment`
  /// with vacancies per team and establishment council-wide is a per-team series, the label-less
  /// side applying to every team.
  static void merge_labels(Info& into, const Info& from) {
    add_all(into.labels, from.labels);
    into.labels_open = into.labels_open || from.labels_open;
  }

  [[gnu::noinline]] void expect_condition(const ast::Expr& expr, const Type& type, const Scope& scope,
                        std::string_view what) {
    if (type.kind == Kind::condition || type.kind == Kind::unknown) return;
    error(scope.file, expr.loc,
          std::string(what) + "; " + operand(expr, type) +
              " is a value, not a condition (compare it, e.g. `> 20`)");
  }

  /// Matchers `metric{label="v"}` may only name labels the metric carries.
  void check_matchers(const std::vector<ast::LabelMatcher>& matchers, const std::string& owner,
                      const Labels& labels, bool open, std::size_t file) {
    if (open) return;
    for (const ast::LabelMatcher& matcher : matchers)
      if (!has(labels, matcher.label)) error(file, matcher.loc, no_label(owner, matcher.label, labels));
  }

  /// "metric 'caseload' has no label 'tem'; did you mean 'team'?"
  static std::string no_label(const std::string& owner, const std::string& label,
                              const Labels& labels) {
    std::string message = owner + " has no label " + quoted(label);
    std::string hint = suggestion(label, labels);
    if (!hint.empty()) return message + hint;
    if (labels.empty()) return message + "; it carries no labels";
    return message + "; it carries " + joined(labels);
  }

  [[gnu::noinline]] Info walk_ref(const ast::Expr& expr, const Scope& scope) {
    if (std::size_t dot = expr.name.find('.'); dot != std::string::npos)
      return walk_benchmark_ref(expr, dot, scope);

    if (scope.context == Context::band_scope) {
      // A band scope picks label sets of the indicator's own series: only labels make sense.
      if (has(scope.labels, expr.name) || (scope.labels_open && all_labels_.count(expr.name)))
        return {of_kind(Kind::text), {}, false};
      error(scope.file, expr.loc, no_label(scope.owner, expr.name, scope.labels));
      return {};
    }

    if (MetricInfo* info = metric(expr.name)) {
      Info out{metric_type(*info), info->labels, info->labels_open};
      check_matchers(expr.matchers, "metric " + quoted(expr.name), info->labels, info->labels_open,
                     scope.file);
      return out;
    }
    if (scope.permissive) {
      // A name that is neither a metric nor any label is an error the loud pass reports; until
      // it is fixed the series' labels are unknown, and guessing them would cascade errors.
      return {of_kind(Kind::text), {}, all_labels_.count(expr.name) == 0};
    }
    if (has(scope.labels, expr.name) || (scope.labels_open && all_labels_.count(expr.name)))
      return {of_kind(Kind::text), {}, false};
    if (all_labels_.count(expr.name) && !scope.labels_open) {
      std::string message = scope.owner + " does not carry label " + quoted(expr.name);
      message += scope.labels.empty() ? "; its metrics carry no labels"
                                      : "; its metrics carry " + joined(scope.labels);
      message += " (a rule's conditions read the labels of the metrics it compares)";
      error(scope.file, expr.loc, message);
      return {};
    }
    std::vector<std::string> candidates = metric_list_;
    candidates.insert(candidates.end(), scope.labels.begin(), scope.labels.end());
    std::string hint = suggestion(expr.name, candidates);
    if (hint.empty())
      hint = ": declare it (`metric " + expr.name + " { unit count }`), or check its spelling";
    error(scope.file, expr.loc, "unknown metric or label " + quoted(expr.name) + hint);
    return {};
  }

  static std::string entry_of(const std::string& dotted, std::size_t dot) { return dotted.substr(dot + 1); }

  /// `england.icpc_timeliness`: a benchmark's value for an indicator or metric.
  [[gnu::noinline]] Info walk_benchmark_ref(const ast::Expr& expr, std::size_t dot, const Scope& scope) {
    std::string name = expr.name.substr(0, dot);
    std::string entry = expr.name.substr(dot + 1);
    auto it = benchmarks_.find(name);
    if (it == benchmarks_.end()) {
      if (!scope.permissive)
        error(scope.file, expr.loc,
              "unknown benchmark " + quoted(name) +
                  (suggestion(name, benchmark_list_).empty()
                       ? ": declare it (`benchmark " + name + " { " + entry_of(expr.name, dot) + " VALUE }`)"
                       : suggestion(name, benchmark_list_)));
      return {};
    }
    const auto* benchmark = static_cast<const ast::BenchmarkDecl*>(it->second.decl);
    std::vector<std::string> entries;
    for (const ast::BenchmarkEntry& candidate : benchmark->entries) {
      if (candidate.indicator == entry) {
        Type type = number(candidate.quantity.unit);
        if (candidate.quantity.unit == Unit::none)
          if (MetricInfo* info = metric(entry)) type = metric_type(*info);
        return {type, {}, false};
      }
      entries.push_back(candidate.indicator);
    }
    Location at = expr.loc;
    at.column += static_cast<std::uint32_t>(dot + 1);
    std::string hint = suggestion(entry, entries);
    if (hint.empty()) hint = ": add `" + entry + " VALUE` to benchmark " + quoted(name);
    error(scope.file, at, "benchmark " + quoted(name) + " has no value for " + quoted(entry) + hint);
    return {};
  }

  [[gnu::noinline]] Info walk_aggregate(const ast::Expr& expr, const Scope& scope) {
    Info inner;
    for (const ast::Expr& arg : expr.args) {
      Info info = walk(arg, scope);
      merge_labels(inner, info);
      inner.type = info.type;
    }
    if (expr.args.size() != 1)
      error(scope.file, expr.loc,
            expr.name + " takes one metric, as in `" + expr.name + "(open_case) by (team)`");
    Info out;
    for (const std::string& label : expr.by) {
      if (!inner.labels_open && !has(inner.labels, label)) {
        std::string what = expr.args.size() == 1 && expr.args[0].kind == ast::ExprKind::ref
                               ? "metric " + quoted(expr.args[0].name)
                               : "the series of " + expr.name + "(...)";
        error(scope.file, expr.loc, "cannot group by " + quoted(label) + ": " + no_label(what, label, inner.labels));
        continue;
      }
      add(out.labels, label);
    }
    out.labels_open = false;
    if (expr.name == "count") {
      out.type = number(Unit::count);
    } else if (expr.name == "share") {
      out.type = number(Unit::percent);
    } else {
      out.type = inner.type;
      out.type.literal.reset();
    }
    return out;
  }

  [[gnu::noinline]] Info walk_call(const ast::Expr& expr, const Scope& scope) {
    Info out;
    std::vector<Type> types;
    for (const ast::Expr& arg : expr.args) {
      Info info = walk(arg, scope);
      merge_labels(out, info);
      types.push_back(info.type);
    }
    const Function* function = find_function(expr.name);
    if (!function) {
      error(scope.file, expr.loc,
            "unknown function " + quoted(expr.name) + suggestion(expr.name, function_names()));
      return out;
    }
    if (expr.args.size() < function->min_args || expr.args.size() > function->max_args) {
      error(scope.file, expr.loc,
            std::string(function->name) + " takes " +
                (function->min_args == function->max_args
                     ? std::to_string(function->min_args)
                     : std::to_string(function->min_args) + " or " +
                           std::to_string(function->max_args)) +
                (function->max_args == 1 ? " argument" : " arguments") + ", not " +
                std::to_string(expr.args.size()) + ": " + std::string(function->usage));
      return out;
    }
    if (function->second_is_duration && types.size() >= 2 && types[1].kind != Kind::duration &&
        types[1].kind != Kind::unknown)
      error(scope.file, expr.args[1].loc,
            "the second argument of " + std::string(function->name) +
                " is a look-back period such as `1 year`, not " + operand(expr.args[1], types[1]));
    if (function->second_is_duration && types.size() >= 3 && types[2].kind != Kind::duration &&
        types[2].kind != Kind::unknown)
      error(scope.file, expr.args[2].loc,
            "the third argument of " + std::string(function->name) +
                " is how far from one window back a figure may lie, such as `45 days`, not " +
                operand(expr.args[2], types[2]));
    switch (function->result) {
      case Result::percent: out.type = number(Unit::percent); break;
      case Result::days: out.type = number(Unit::days); break;
      case Result::same_as_first:
        out.type = types.empty() ? of_kind(Kind::unknown) : types[0];
        out.type.literal.reset();
        break;
    }
    return out;
  }

  Info walk_binary(const ast::Expr& expr, const Scope& scope) {
    if (expr.args.size() != 2) return {};
    Info a = walk(expr.args[0], scope);
    Info b = walk(expr.args[1], scope);
    Info out;
    merge_labels(out, a);
    merge_labels(out, b);
    out.type = binary_type(expr, a.type, b.type, scope);
    return out;
  }

  /// Kept out of the recursive frames (expressions nest up to ast::kMaxExpressionDepth): the messages need sizeable locals.
  [[gnu::noinline]] Type binary_type(const ast::Expr& expr, const Type& a, const Type& b,
                                     const Scope& scope) {
    const ast::Expr& left = expr.args[0];
    const ast::Expr& right = expr.args[1];
    if (expr.op == ast::Op::logical_and || expr.op == ast::Op::logical_or) {
      std::string what = "`" + std::string(ast::to_string(expr.op)) + "` joins conditions";
      expect_condition(left, a, scope, what);
      expect_condition(right, b, scope, what);
      return of_kind(Kind::condition);
    }
    if (is_comparison(expr.op)) {
      if (!compatible(a, b)) report_incompatible(scope.file, left, a, right, b);
      return of_kind(Kind::condition);
    }
    return arithmetic(expr, a, b, scope.file);
  }

  [[gnu::noinline]] void report_negation(std::size_t file, const ast::Expr& expr, const Type& type) {
    error(file, expr.loc, "cannot negate " + operand(expr, type));
  }

  [[gnu::noinline]] void report_incompatible(std::size_t file, const ast::Expr& left, const Type& a,
                                             const ast::Expr& right, const Type& b) {
    std::string message = "cannot compare " + operand(left, a) + " with " + operand(right, b);
    // Name the fix: a figure in the left side's unit (`caseload > 20`, not `> 20%`).
    if (a.kind == Kind::number && a.unit != Unit::none && !a.ratio && b.kind == Kind::number &&
        right.kind == ast::ExprKind::number)
      message += ": compare it with a figure in " + describe(a) + ", e.g. " +
                 format_amount(right.quantity.value, a.unit);
    else if (a.kind == Kind::number && b.kind == Kind::duration)
      message += ": a length of time compares only with an age in days (a metric with `unit days`)";
    error(file, right.loc, message);
  }

  [[gnu::noinline]] Type arithmetic(const ast::Expr& expr, const Type& a, const Type& b, std::size_t file) {
    const ast::Expr& left = expr.args[0];
    const ast::Expr& right = expr.args[1];
    auto fail = [&](std::string verb, std::string_view joiner, bool swap) {
      std::string x = operand(swap ? right : left, swap ? b : a);
      std::string y = operand(swap ? left : right, swap ? a : b);
      error(file, right.loc, "cannot " + verb + " " + x + " " + std::string(joiner) + " " + y);
      return of_kind(Kind::unknown);
    };
    bool a_known = a.kind != Kind::unknown;
    bool b_known = b.kind != Kind::unknown;
    auto not_arithmetic = [](const Type& t) {
      return t.kind == Kind::text || t.kind == Kind::condition;
    };
    switch (expr.op) {
      case ast::Op::add:
      case ast::Op::subtract: {
        bool add = expr.op == ast::Op::add;
        if (not_arithmetic(a) || not_arithmetic(b) || !compatible(a, b))
          return add ? fail("add", "to", true) : fail("subtract", "from", true);
        if (!a_known || !b_known) return of_kind(Kind::unknown);
        if (a.kind == Kind::date && b.kind == Kind::date)
          return add ? fail("add", "to", true) : number(Unit::days);
        if (a.kind == Kind::number && b.kind == Kind::number) {
          if (a.unit == Unit::none && b.unit == Unit::none) {
            Type type = number(Unit::none);
            if (a.literal && b.literal) type.literal = add ? *a.literal + *b.literal : *a.literal - *b.literal;
            return type;
          }
          Type type = a.unit == Unit::none ? b : a;
          type.literal.reset();
          return type;
        }
        if (a.kind == Kind::number || b.kind == Kind::number) return number(Unit::days);
        return of_kind(Kind::duration);
      }
      case ast::Op::multiply: {
        if (not_arithmetic(a) || not_arithmetic(b)) return fail("multiply", "by", false);
        if (!a_known || !b_known) return of_kind(Kind::unknown);
        if (a.kind != Kind::number || b.kind != Kind::number) return of_kind(Kind::unknown);
        if (a.unit == Unit::none && b.unit == Unit::none) {
          Type type = number(Unit::none);
          if (a.literal && b.literal) type.literal = *a.literal * *b.literal;
          return type;
        }
        const Type& scaled = a.unit == Unit::none ? b : a;
        const Type& factor = a.unit == Unit::none ? a : b;
        if (factor.unit != Unit::none) return of_kind(Kind::unknown);  // count * gbp: no unit
        if (scaled.ratio && factor.literal) {
          if (*factor.literal == 100) return number(Unit::percent);
          if (*factor.literal == 10000) return number(Unit::rate_per_10k);
        }
        Type type = scaled;
        type.literal.reset();
        return type;
      }
      case ast::Op::divide: {
        if (not_arithmetic(a) || not_arithmetic(b)) return fail("divide", "by", false);
        if (!a_known || !b_known) return of_kind(Kind::unknown);
        if (a.kind != Kind::number || b.kind != Kind::number) return of_kind(Kind::unknown);
        if (b.unit == Unit::none && !b.ratio) {
          if (a.unit == Unit::none) {
            Type type = number(Unit::none);
            if (a.literal && b.literal && *b.literal != 0) type.literal = *a.literal / *b.literal;
            return type;
          }
          Type type = a;
          type.literal.reset();
          return type;
        }
        if (a.unit == b.unit && !a.ratio && !b.ratio) {
          Type type = number(Unit::number);
          type.ratio = true;
          return type;
        }
        return of_kind(Kind::unknown);  // £ per child, and the like: no unit we name
      }
      default: return of_kind(Kind::unknown);
    }
  }

  // ----- pass 3: each declaration ------------------------------------------------------------

  void check_item(const ast::MetricDecl& decl, std::size_t file) {
    if (decl.labels) {
      Labels seen;
      for (const std::string& label : decl.labels->value) {
        if (has(seen, label))
          error(file, decl.labels->loc,
                "label " + quoted(label) + " is listed twice in metric " + quoted(decl.name));
        seen.push_back(label);
      }
    }
    check_expect_every(decl.expect_every, file);
    check_stale_routes(decl.routes, decl.expect_every, "metric " + quoted(decl.name), file);
    if (!decl.derived) return;
    auto it = metrics_.find(decl.name);
    if (it == metrics_.end() || it->second.decl != &decl) return;  // a duplicate: reported
    MetricInfo& info = *metric(decl.name);
    Scope scope = metric_scope(info);
    Info result = walk(*decl.derived, scope);
    if (result.type.kind == Kind::condition)
      error(file, decl.derived->loc,
            "metric " + quoted(decl.name) + " must be a value; a condition belongs in a rule's `when`");
    if (decl.unit && result.type.kind == Kind::number)
      if (auto clash = disagreement(decl.unit->value, result.type.unit, result.type.ratio))
        error(file, decl.unit->loc,
              "metric " + quoted(decl.name) + " is declared in " +
                  std::string(ast::to_string(decl.unit->value)) + " but its formula gives " + *clash);
    if (decl.labels && !result.labels_open) {
      Labels declared = decl.labels->value;
      Labels derived = result.labels;
      std::sort(declared.begin(), declared.end());
      std::sort(derived.begin(), derived.end());
      declared.erase(std::unique(declared.begin(), declared.end()), declared.end());
      if (declared != derived)
        error(file, decl.labels->loc,
              "metric " + quoted(decl.name) + " takes its labels from its formula (" +
                  (result.labels.empty() ? std::string("none") : joined(result.labels)) +
                  "); remove `labels` or make them agree");
    }
  }

  void check_expect_every(const std::optional<ast::Located<Duration>>& every, std::size_t file) {
    if (every && every->value.amount <= 0)
      error(file, every->loc, "`expect every` needs a positive duration, such as `1 month`");
  }

  /// `route` on a metric or an extract: where its stale alerts go, its only alerts.
  void check_stale_routes(const std::vector<ast::Located<std::string>>& routes,
                          const std::optional<ast::Located<Duration>>& every, const std::string& owner,
                          std::size_t file) {
    for (const auto& route : routes) check_route(route.value, route.loc, file);
    if (!routes.empty() && !every)
      warning(file, routes.front().loc,
              owner + " has a `route` but no `expect every`: its only alerts are stale alerts, so the route "
                      "hears nothing (add `expect every 1 month`, say)");
  }

  /// A band bound or benchmark value in the indicator's unit base, or nullopt after an error.
  std::optional<double> in_unit(const ast::Quantity& quantity, Unit unit, const std::string& what,
                                const std::string& owner, std::size_t file, Location loc) {
    std::string spelling =
        quantity.text.empty() ? format_amount(quantity.value, quantity.unit) : quantity.text;
    std::string unit_name(ast::to_string(unit));
    if (quantity.duration) {
      if (unit != Unit::days && unit != Unit::none) {
        error(file, loc, what + " " + spelling + " is a duration, but " + owner + " is in " + unit_name);
        return std::nullopt;
      }
      const Duration& duration = *quantity.duration;
      switch (duration.unit) {
        case DurationUnit::days: return static_cast<double>(duration.amount);
        case DurationUnit::weeks: return static_cast<double>(duration.amount) * 7;
        default:
          error(file, loc,
                what + " " + spelling + " has no fixed number of days; write it in days or weeks");
          return std::nullopt;
      }
    }
    if (quantity.unit == Unit::none) {
      // A bare 95 for a percent, or 5293000 for money, is more often a slip than a choice.
      if (unit == Unit::percent) {
        error(file, loc, what + " " + spelling + " has no unit, but " + owner + " is in percent: write " + spelling + "%");
        return std::nullopt;
      }
      if (unit == Unit::gbp) {
        error(file, loc, what + " " + spelling + " has no unit, but " + owner + " is in gbp: write it in pounds, e.g. " + format_amount(quantity.value, Unit::gbp));
        return std::nullopt;
      }
      return quantity.value;
    }
    if (unit != Unit::none && quantity.unit != unit) {
      error(file, loc,
            what + " " + spelling + " is in " + std::string(ast::to_string(quantity.unit)) +
                ", but " + owner + " is in " + unit_name);
      return std::nullopt;
    }
    return quantity.value;
  }

  void check_item(const ast::IndicatorDecl& decl, std::size_t file) {
    std::string owner = "indicator " + quoted(decl.name);
    for (const auto& route : decl.routes) check_route(route.value, route.loc, file);
    MetricInfo* info = metric(decl.name);
    Unit unit = decl.unit ? decl.unit->value : info ? info->unit : Unit::none;
    std::optional<std::string> clash;
    if (decl.unit && info && info->decl) clash = disagreement(decl.unit->value, info->unit, info->ratio);
    bool unit_conflict = clash.has_value();
    if (unit_conflict)
      error(file, decl.unit->loc,
            owner + " is in " + std::string(ast::to_string(decl.unit->value)) + " but metric " +
                quoted(decl.name) + " gives " + *clash);
    if (decl.round && decl.round->value < 0)
      error(file, decl.round->loc,
            "`round` is a number of decimal places, 0 or more, not " +
                std::to_string(decl.round->value));
    // Every output shows the value as classified: more places than `round` keeps would print
    // zeros that pretend to a precision the band was not judged at (96.6% judged as 97% and
    // shown as 97.0%). Fewer are fine: a value near an edge is shown with the places it needs.
    if (decl.decimals && decl.decimals->value > 6)
      error(file, decl.decimals->loc,
            "`decimals` is the number of decimal places shown, at most 6, not " +
                std::to_string(decl.decimals->value));
    else if (decl.decimals && decl.round && decl.round->value >= 0 && decl.decimals->value > decl.round->value)
      error(file, decl.decimals->loc,
            "`decimals " + std::to_string(decl.decimals->value) + "` shows more decimal places than `round " +
                std::to_string(decl.round->value) + "` keeps: the value is shown as it is classified, so the extra " +
                "places would always be 0; write `decimals " + std::to_string(decl.round->value) +
                "` or less, or `round " + std::to_string(decl.decimals->value) + "`");
    if (decl.cohort) {
      const ast::Cohort& cohort = decl.cohort->value;
      if (!metric(cohort.metric)) {
        // The indicator's own series is never its cohort: leave it out of the suggestions.
        std::vector<std::string> candidates = metric_list_;
        std::erase(candidates, decl.name);
        error(file, decl.cohort->loc,
              "unknown cohort metric " + quoted(cohort.metric) + suggestion(cohort.metric, candidates));
      }
      if (cohort.minimum < 0)
        error(file, decl.cohort->loc,
              "a cohort minimum is a number of children, 0 or more, not " +
                  std::to_string(cohort.minimum));
    }
    if (decl.last_year)
      in_unit(decl.last_year->value, unit, "last year's value", owner, file, decl.last_year->loc);
    if (decl.closer_to) {
      in_unit(*decl.closer_to, unit, "the value to be closer to", owner, file, decl.better->loc);
      if (decl.tolerance) {
        std::optional<double> tolerance = in_unit(*decl.tolerance, unit, "the tolerance", owner, file, decl.better->loc);
        if (tolerance && *tolerance < 0)
          error(file, decl.better->loc, "the tolerance of `better closer to` cannot be negative: " + decl.tolerance->text);
      }
    }
    check_expect_every(decl.expect_every, file);
    if (decl.band_sets.empty()) {
      error(file, decl.loc, owner + " has no bands; add `bands { green ... amber ... red ... }`");
      return;
    }

    Labels labels = info ? info->labels : Labels{};
    bool labels_open = info ? info->labels_open : true;
    // Messages and band scopes read the indicator's labels alike.
    auto band_scope = [&] {
      Scope scope;
      scope.context = Context::band_scope;
      scope.owner = owner;
      scope.file = file;
      scope.labels = labels;
      scope.labels_open = labels_open;
      return scope;
    };
    {
      Scope scope = band_scope();
      MessageContext context;
      context.entry = decl.name;
      if (decl.message) check_message(*decl.message, scope, context, file);
      if (decl.resolved_message) check_message(*decl.resolved_message, scope, context, file);
    }
    std::map<std::string, const ast::BandSet*> seen;
    for (const ast::BandSet& set : decl.band_sets) {
      if (set.where) {
        Scope scope = band_scope();
        Info where = walk(*set.where, scope);
        expect_condition(*set.where, where.type, scope, "a band scope is a condition on labels");
      }
      std::string key = (set.from ? set.from->iso() : "") + "|" + (set.where ? ast::dump(*set.where) : "");
      auto [it, inserted] = seen.emplace(key, &set);
      if (!inserted) {
        error(file, set.loc,
              owner + " already has bands for " +
                  (set.from ? "from " + set.from->iso() : std::string("the same dates")) +
                  (set.where ? " and the same scope" : "") + "; only the first would be used");
        note(file, it->second->loc, "the first bands are here");
      }
      // Bounds read against a unit already in dispute would only repeat that error.
      if (!unit_conflict) check_bands(set, unit, decl, owner, file);
    }
  }

  void check_bands(const ast::BandSet& set, Unit unit, const ast::IndicatorDecl& decl,
                   const std::string& owner, std::size_t file) {
    if (set.bands.empty()) {
      error(file, set.loc, "this bands block has no bands: write at least one, e.g. `green >= 95%`");
      return;
    }
    // Without a declared unit, take the first one a bound is written in.
    if (unit == Unit::none)
      for (const ast::Band& band : set.bands)
        for (const auto* bound : {&band.lower, &band.upper})
          if (unit == Unit::none && *bound && !(*bound)->quantity.duration)
            unit = (*bound)->quantity.unit;
    std::vector<BandInterval> intervals;
    bool sound = true;
    // Limits that move (a benchmark's value, months and years measured on the calendar) leave the
    // coverage of a block to the values themselves: it is not checked.
    bool fixed = true;
    for (const ast::Band& band : set.bands)
      for (const auto* bound : {&band.lower, &band.upper}) {
        if (!*bound) continue;
        const ast::Bound& limit = **bound;
        if (!limit.benchmark.empty()) {
          fixed = false;
          check_benchmark_limit(limit.benchmark, decl.name, band.loc, file);
        } else if (limit.quantity.duration && (limit.quantity.duration->unit == DurationUnit::months ||
                                               limit.quantity.duration->unit == DurationUnit::years)) {
          fixed = false;
          if (unit != Unit::days && unit != Unit::none)
            error(file, band.loc,
                  "band limit " + limit.quantity.text + " is a length of time, but " + owner + " is in " +
                      std::string(ast::to_string(unit)) + " (ages are in days: `unit days`)");
        }
      }
    if (!fixed) return;
    for (const ast::Band& band : set.bands) {
      BandInterval interval;
      interval.colour = band.colour;
      bool band_sound = true;  // one error per band: `75% .. 84%` in a count is one mistake
      if (band.lower) {
        auto value = in_unit(band.lower->quantity, unit, "band bound", owner, file, band.loc);
        band_sound = value.has_value();
        interval.lower = value;
        interval.lower_inclusive = band.lower->inclusive;
      }
      if (band.upper && band_sound) {
        auto value = in_unit(band.upper->quantity, unit, "band bound", owner, file, band.loc);
        band_sound = value.has_value();
        interval.upper = value;
        interval.upper_inclusive = band.upper->inclusive;
      }
      sound = sound && band_sound;
      intervals.push_back(interval);
    }
    if (!sound) return;  // coverage of bounds we could not read would only add noise
    std::optional<std::int64_t> round;
    if (decl.round && decl.round->value >= 0) round = decl.round->value;
    for (const CoverageFinding& finding : band_coverage(intervals, unit, round)) {
      Location at = finding.band < set.bands.size() ? set.bands[finding.band].loc : set.loc;
      warning(file, at, finding.message);
    }
  }

  /// `green >= england`: benchmark `england` must have a value for the indicator.
  void check_benchmark_limit(const std::string& name, const std::string& indicator, Location at, std::size_t file) {
    auto it = benchmarks_.find(name);
    if (it == benchmarks_.end()) {
      std::string hint = suggestion(name, benchmark_list_);
      error(file, at, "band limit " + quoted(name) + " is neither a number nor a benchmark" +
                          (hint.empty() ? ": write a number such as 95%, or declare `benchmark " + name + " { " +
                                              indicator + " VALUE }`"
                                        : hint));
      return;
    }
    const auto* benchmark = static_cast<const ast::BenchmarkDecl*>(it->second.decl);
    bool has = std::any_of(benchmark->entries.begin(), benchmark->entries.end(),
                           [&](const ast::BenchmarkEntry& e) { return e.indicator == indicator; });
    if (!has)
      error(file, at, "benchmark " + quoted(name) + " has no value for " + quoted(indicator) + ": add `" + indicator +
                          " VALUE` to it");
  }

  void check_item(const ast::BenchmarkDecl& decl, std::size_t file) {
    std::map<std::string, const ast::BenchmarkEntry*> seen;
    for (const ast::BenchmarkEntry& entry : decl.entries) {
      auto [it, inserted] = seen.emplace(entry.indicator + "|" + (entry.from ? entry.from->iso() : ""), &entry);
      if (!inserted) {
        error(file, entry.loc,
              "benchmark " + quoted(decl.name) + " already has a value for " + quoted(entry.indicator) +
                  (entry.from ? " from " + entry.from->iso() : std::string(" without a date")) +
                  "; give each value of another year its own `from DATE`");
        note(file, it->second->loc, "the first value is here");
        continue;
      }
      MetricInfo* info = metric(entry.indicator);
      if (!info) {
        error(file, entry.loc,
              "unknown indicator or metric " + quoted(entry.indicator) +
                  suggestion(entry.indicator, metric_list_));
        continue;
      }
      std::string owner = (info->indicator || alerts_.count(entry.indicator) ? "indicator " : "metric ") +
                          quoted(entry.indicator);
      in_unit(entry.quantity, info->ratio ? Unit::none : info->unit, "benchmark value", owner,
              file, entry.loc);
    }
  }

  void check_item(const ast::RouteDecl& decl, std::size_t file) {
    if (decl.cadence && decl.cadence->value.amount <= 0)
      error(file, decl.cadence->loc, "a route's cadence must be a positive duration, such as `14 days`");
    for (const ast::Located<std::string>& address : decl.emails)
      if (auto problem = mail_address_problem(address.value)) error(file, address.loc, *problem);
    for (const ast::Located<std::string>& url : decl.teams)
      if (auto problem = webhook_url_problem(url.value)) error(file, url.loc, *problem);
  }

  void check_route(const std::string& name, Location loc, std::size_t file) {
    if (routes_.count(name)) return;
    std::string hint = suggestion(name, route_list_);
    if (hint.empty()) hint = ": declare it (`route " + name + " { title \"...\" }`)";
    error(file, loc, "unknown route " + quoted(name) + hint);
  }

  /// The labels of a rule's alerts: those of the series its `when` yields.
  Scope rule_scope(const ast::RuleDecl& decl, std::size_t file) {
    Scope scope;
    scope.context = Context::rule;
    scope.owner = "rule " + quoted(decl.name);
    scope.file = file;
    if (decl.when) scope_labels(*decl.when, scope);
    return scope;
  }

  void check_item(const ast::RuleDecl& decl, std::size_t file) {
    std::string owner = "rule " + quoted(decl.name);
    if (!decl.when) error(file, decl.loc, owner + " has no `when` condition");
    if (!decl.severity)
      error(file, decl.loc, owner + " has no severity; add `severity amber` or `severity red`");
    else if (decl.severity->value == ast::Colour::green)
      error(file, decl.severity->loc, "a rule's severity is amber or red; green raises no alert");

    Scope scope = rule_scope(decl, file);
    if (decl.when) {
      Info when = walk(*decl.when, scope);
      expect_condition(*decl.when, when.type, scope, "`when` needs a condition");
    }
    for (const auto* clause : {&decl.unless, &decl.clear_when}) {
      if (!*clause) continue;
      Scope own = scope;
      scope_labels(**clause, own);
      Info info = walk(**clause, own);
      expect_condition(**clause, info.type, own,
                       clause == &decl.unless ? "`unless` needs a condition"
                                              : "`clear when` needs a condition");
    }
    if (decl.for_returns) {
      const Duration& hold = decl.for_returns->value;
      if (!counts_returns(hold.unit))
        error(file, decl.for_returns->loc,
              "`for` counts the returns of the rule's data, e.g. `for 2 returns`, not " + to_string(hold) +
                  " (to wait for time, compare an age: `when cp_plan_age >= 3 months`)");
      else if (hold.unit == DurationUnit::returns && hold.amount < 1)
        error(file, decl.for_returns->loc, "`for` needs 1 return or more, not " + to_string(hold));
    }

    for (const ast::Escalation& escalation : decl.escalations) {
      if (decl.severity && decl.severity->value != ast::Colour::green &&
          escalation.severity <= decl.severity->value) {
        std::string own(ast::to_string(decl.severity->value));
        std::string to(ast::to_string(escalation.severity));
        error(file, escalation.loc,
              article(own) + " " + own + " rule cannot escalate to " + to +
                  (decl.severity->value == ast::Colour::amber
                       ? "; escalation must raise the severity: escalate red"
                       : "; red is already the highest severity"));
      } else if (escalation.severity == ast::Colour::green) {
        error(file, escalation.loc, "cannot escalate to green; escalation must raise the severity");
      }
      if (escalation.when) {
        Scope own = scope;
        scope_labels(*escalation.when, own);
        Info info = walk(*escalation.when, own);
        expect_condition(*escalation.when, info.type, own, "`escalate ... when` needs a condition");
      } else if (escalation.after.amount < 0) {
        error(file, escalation.loc,
              "`escalate ... after` needs 0 or more, not " + to_string(escalation.after));
      } else if (escalation.after.unit == DurationUnit::returns && escalation.after.amount < 1) {
        error(file, escalation.loc, "`escalate ... after` counts 1 return or more (the one it fired on is the first)");
      }
      if (escalation.to_route) check_route(*escalation.to_route, escalation.to_route_loc, file);
    }
    for (const auto& route : decl.routes) check_route(route.value, route.loc, file);
    MessageContext context = rule_message_context(decl);
    if (decl.message) check_message(*decl.message, scope, context, file);
    if (decl.resolved_message) check_message(*decl.resolved_message, scope, context, file);
  }

  /// What a rule's `{target}`, `{previous}` and `{benchmark.NAME}` read: the first comparison of
  /// numbers in `when`, or why there is none to read.
  MessageContext rule_message_context(const ast::RuleDecl& decl) {
    MessageContext context;
    const ast::Expr* comparison = decl.when ? ast::first_comparison(*decl.when) : nullptr;
    if (!comparison) {
      context.target_problem = context.previous_problem = context.benchmark_problem =
          "`when` has no comparison of numbers";
      return context;
    }
    const ast::Expr& left = comparison->args[0];
    const ast::Expr& right = comparison->args[1];
    bool right_ok = right.kind == ast::ExprKind::number ||
                    (right.kind == ast::ExprKind::ref && right.name.find('.') != std::string::npos);
    if (!right_ok)
      context.target_problem = "{target} is the right-hand side of the first comparison in `when` when that is a "
                               "number or a benchmark value, such as `20` or `england.icpc_timeliness`";
    bool left_metric = left.kind == ast::ExprKind::ref && left.name.find('.') == std::string::npos &&
                       left.matchers.empty() && metric(left.name);
    if (left_metric) {
      context.entry = left.name;
    } else {
      context.previous_problem = "{previous} is the previous figure of the metric on the left of the first "
                                 "comparison in `when`, which here is not a metric on its own";
      context.benchmark_problem = "{benchmark.NAME} is the benchmark's value for the metric on the left of the "
                                  "first comparison in `when`, which here is not a metric on its own";
    }
    return context;
  }

  /// The placeholders of a `message` or `resolved message`: {value}, {band}, {target},
  /// {previous}, {benchmark.NAME} and the labels. The tree locates the `message` keyword, not
  /// the string, so that is where these errors point; the message names the placeholder.
  void check_message(const ast::Located<std::string>& message, const Scope& scope, const MessageContext& context,
                     std::size_t file) {
    const std::string& text = message.value;
    for (std::size_t open = text.find('{'); open != std::string::npos;
         open = text.find('{', open + 1)) {
      std::size_t close = text.find('}', open);
      if (close == std::string::npos) break;
      std::string name = text.substr(open + 1, close - open - 1);
      Location at = message.loc;
      if (name == "value" || name == "band") continue;
      if (name == "target" || name == "previous") {
        const std::optional<std::string>& problem = name == "target" ? context.target_problem : context.previous_problem;
        if (problem) error(file, at, "message placeholder {" + name + "}: " + *problem);
        continue;
      }
      if (name.starts_with("benchmark.")) {
        std::string bench = name.substr(std::string_view("benchmark.").size());
        if (context.benchmark_problem) {
          error(file, at, "message placeholder {" + name + "}: " + *context.benchmark_problem);
          continue;
        }
        auto it = benchmarks_.find(bench);
        if (it == benchmarks_.end()) {
          std::string hint = suggestion(bench, benchmark_list_, "{benchmark.", "}");
          error(file, at, "message placeholder {" + name + "} names no benchmark" +
                              (hint.empty() ? ": declare it (`benchmark " + bench + " { " + context.entry + " VALUE }`)" : hint));
          continue;
        }
        const auto* benchmark = static_cast<const ast::BenchmarkDecl*>(it->second.decl);
        bool has_entry = std::any_of(benchmark->entries.begin(), benchmark->entries.end(),
                                     [&](const ast::BenchmarkEntry& e) { return e.indicator == context.entry; });
        if (!has_entry)
          error(file, at, "message placeholder {" + name + "}: benchmark " + quoted(bench) + " has no value for " +
                              quoted(context.entry) + ": add `" + context.entry + " VALUE` to it");
        continue;
      }
      if (scope.labels_open || has(scope.labels, name)) continue;
      Labels candidates = scope.labels;
      for (const char* own : {"value", "band", "target", "previous"}) candidates.push_back(own);
      std::string hint = suggestion(name, candidates, "{", "}");
      std::string message_text = "message placeholder {" + name + "} is neither {value}, {band}, {target}, "
                                 "{previous}, {benchmark.NAME} nor a label of " + scope.owner;
      if (!hint.empty())
        message_text += hint;
      else
        message_text += scope.labels.empty() ? " (its alerts carry no labels)"
                                             : " (its labels: " + joined(scope.labels) + ")";
      error(file, at, message_text);
    }
  }

  void check_item(const ast::ExtractDecl& decl, std::size_t file) {
    std::string owner = "extract " + quoted(decl.name);
    check_stale_routes(decl.routes, decl.expect_every, owner, file);
    std::map<std::string, const ast::Binding*> provided;
    std::map<std::string, const ast::Binding*> sampled;
    for (const ast::Binding& binding : decl.bindings) {
      if (binding.kind == ast::BindingKind::sample) continue;
      auto [it, inserted] = provided.emplace(binding.name, &binding);
      if (!inserted) {
        error(file, binding.loc, owner + " already maps label " + quoted(binding.name));
        note(file, it->second->loc, "the first mapping is here");
      }
    }
    Labels provided_labels;
    for (const ast::Binding& binding : decl.bindings)
      if (binding.kind != ast::BindingKind::sample) add(provided_labels, binding.name);

    for (const ast::Binding& binding : decl.bindings) {
      if (binding.kind != ast::BindingKind::sample) continue;
      auto [it, inserted] = sampled.emplace(binding.name, &binding);
      if (!inserted) {
        error(file, binding.loc, owner + " already samples " + quoted(binding.name));
        note(file, it->second->loc, "the first sample is here");
        continue;
      }
      MetricInfo* info = metric(binding.name);
      if (!info) {
        warning(file, binding.loc,
                owner + " samples " + quoted(binding.name) + ", which is not a declared metric" +
                    suggestion(binding.name, metric_list_));
        continue;
      }
      if (info->decl && info->decl->derived) {
        error(file, binding.loc,
              "metric " + quoted(binding.name) +
                  " is derived from other metrics; an extract cannot sample it");
        continue;
      }
      for (const std::string& label : info->labels)
        if (!has(provided_labels, label))
          error(file, binding.loc,
                "metric " + quoted(binding.name) + " carries label " + quoted(label) + ", which " +
                    owner + " does not map (add `label " + label + " = \"<column>\"`)");
      Type type = extract_type(binding.value);
      if (type.kind == Kind::number && type.unit != Unit::none && info->unit != Unit::none &&
          type.unit != info->unit)
        error(file, binding.value.loc,
              "this sample gives " + describe(type) + ", but metric " + quoted(binding.name) +
                  " is in " + std::string(ast::to_string(info->unit)));
    }
  }

  /// The unit of an extract expression, where names are columns: only what is sure.
  static Type extract_type(const ast::Expr& expr) {
    if (expr.kind == ast::ExprKind::number && !expr.quantity.duration) return number(expr.quantity.unit);
    if (expr.kind == ast::ExprKind::call && expr.name == "age") return number(Unit::days);
    return of_kind(Kind::unknown);
  }

  void check_item(const ast::TestDecl& decl, std::size_t file) {
    for (const auto& step : decl.steps) {
      if (const auto* at = std::get_if<ast::AtStep>(&step)) {
        for (const ast::SampleLine& sample : at->samples) {
          MetricInfo* info = metric(sample.metric);
          if (!info) {
            error(file, sample.loc,
                  "unknown metric " + quoted(sample.metric) + suggestion(sample.metric, metric_list_));
            continue;
          }
          check_matchers(sample.labels, "metric " + quoted(sample.metric), info->labels,
                         info->labels_open, file);
          if (sample.value.unit != Unit::none && info->unit != Unit::none &&
              !sample.value.duration && sample.value.unit != info->unit)
            error(file, sample.loc,
                  "sample value " + sample.value.text + " is in " +
                      std::string(ast::to_string(sample.value.unit)) + ", but metric " +
                      quoted(sample.metric) + " is in " + std::string(ast::to_string(info->unit)));
        }
      } else {
        check_expect(std::get<ast::ExpectStep>(step), file);
      }
    }
  }

  void check_expect(const ast::ExpectStep& step, std::size_t file) {
    if (step.kind == ast::ExpectKind::value) {
      // Any series has a value: an indicator's, and a metric's (a derived one especially).
      MetricInfo* info = metric(step.target);
      if (!info) {
        error(file, step.loc,
              "unknown indicator or metric " + quoted(step.target) +
                  suggestion(step.target, metric_list_));
        return;
      }
      std::string owner = (info->decl ? "metric " : "indicator ") + quoted(step.target);
      check_matchers(step.labels, owner, info->labels, info->labels_open, file);
      if (step.value.unit != Unit::none && info->unit != Unit::none && !step.value.duration &&
          step.value.unit != info->unit)
        error(file, step.loc,
              "expected value " + step.value.text + " is in " +
                  std::string(ast::to_string(step.value.unit)) + ", but " + owner + " is in " +
                  std::string(ast::to_string(info->unit)));
      return;
    }
    auto it = alerts_.find(step.target);
    bool wants_indicator = step.kind == ast::ExpectKind::band;
    if (it == alerts_.end()) {
      if (wants_indicator)
        error(file, step.loc,
              "unknown indicator " + quoted(step.target) + suggestion(step.target, indicator_list_));
      else
        error(file, step.loc,
              "unknown rule or indicator " + quoted(step.target) +
                  suggestion(step.target, alert_list_));
      return;
    }
    const Declared& target = it->second;
    if (wants_indicator && target.kind != "indicator") {
      error(file, step.loc,
            quoted(step.target) + " is a rule, not an indicator; test its alerts with `expect alert " +
                step.target + " ...`");
      return;
    }
    std::string owner = std::string(target.kind) + " " + quoted(step.target);
    Labels labels;
    bool open = false;
    if (target.kind == "indicator") {
      if (MetricInfo* info = metric(step.target)) {
        labels = info->labels;
        open = info->labels_open;
      }
    } else {
      const auto* rule = static_cast<const ast::RuleDecl*>(target.decl);
      Scope scope = rule_scope(*rule, target.file);
      labels = scope.labels;
      open = scope.labels_open;
    }
    check_matchers(step.labels, owner, labels, open, file);

    static const std::vector<std::string> kBands = {"green", "amber", "red", "unbanded",
                                                    "small_cohort"};
    static const std::vector<std::string> kSeverities = {"amber", "red"};
    if (step.kind == ast::ExpectKind::band &&
        std::find(kBands.begin(), kBands.end(), step.outcome) == kBands.end())
      error(file, step.loc,
            "expected band " + quoted(step.outcome) +
                " is not one of green, amber, red, unbanded, small_cohort" +
                suggestion(step.outcome, kBands));
    if (step.kind == ast::ExpectKind::alert &&
        std::find(kSeverities.begin(), kSeverities.end(), step.outcome) == kSeverities.end())
      error(file, step.loc,
            "an alert's severity is amber or red, not " + quoted(step.outcome) +
                suggestion(step.outcome, kSeverities));
  }

  const std::vector<ast::File>& files_;
  std::vector<Entry> entries_;
  int quiet_ = 0;  // > 0 while walking only to learn units and labels: report nothing

  std::map<std::string, Declared> metric_names_;
  std::map<std::string, MetricInfo> metrics_;  // declared, and indicators' implicit metrics
  std::map<std::string, Declared> alerts_;     // indicators and rules
  std::map<std::string, Declared> routes_;
  std::map<std::string, Declared> benchmarks_;
  std::map<std::string, Declared> extracts_;
  std::map<std::string, Declared> tests_;
  std::set<std::string> all_labels_;  // every label any metric or extract declares
  std::set<std::string> cyclic_;

  // Candidates for did-you-mean.
  std::vector<std::string> metric_list_;
  std::vector<std::string> indicator_list_;
  std::vector<std::string> alert_list_;
  std::vector<std::string> route_list_;
  std::vector<std::string> benchmark_list_;
};

}  // namespace

std::vector<Diagnostic> check(const std::vector<ast::File>& files) {
  return Checker(files).run();
}

}  // namespace bandwatch
