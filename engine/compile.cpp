// Compiles checked ASTs into the engine's executable form: names resolved to metric ids, label ids
// and value ids; expressions flattened into node arrays with their driver metric and joins fixed;
// aggregates written inside rules turned into anonymous derived metrics; derived metrics put in
// dependency order; history retention computed from the longest window each metric is read with.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <unordered_set>

#include "program.hpp"
#include "rules/formatter.hpp"

namespace bandwatch::engine::detail {
namespace {

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

bool is_comparison(ast::Op op) {
  return op == ast::Op::less || op == ast::Op::less_equal || op == ast::Op::greater ||
         op == ast::Op::greater_equal || op == ast::Op::equal || op == ast::Op::not_equal;
}

Node node_of(ast::Op op) {
  switch (op) {
    case ast::Op::add: return Node::add;
    case ast::Op::subtract: return Node::subtract;
    case ast::Op::multiply: return Node::multiply;
    case ast::Op::divide: return Node::divide;
    case ast::Op::less: return Node::less;
    case ast::Op::less_equal: return Node::less_equal;
    case ast::Op::greater: return Node::greater;
    case ast::Op::greater_equal: return Node::greater_equal;
    case ast::Op::equal: return Node::equal;
    case ast::Op::not_equal: return Node::not_equal;
    case ast::Op::logical_and: return Node::logical_and;
    case ast::Op::logical_or: return Node::logical_or;
    case ast::Op::negate: return Node::negate;
    case ast::Op::logical_not: return Node::logical_not;
    case ast::Op::none: break;
  }
  return Node::constant;
}

/// The comparison with its operands swapped: `2 years <= age` is `age >= 2 years`.
Node flipped(Node cmp) {
  switch (cmp) {
    case Node::less: return Node::greater;
    case Node::less_equal: return Node::greater_equal;
    case Node::greater: return Node::less;
    case Node::greater_equal: return Node::less_equal;
    default: return cmp;
  }
}

/// Upper bound in days of a duration, for history retention.
std::int32_t approx_days(const Duration& d) {
  switch (d.unit) {
    case DurationUnit::days: return static_cast<std::int32_t>(d.amount);
    case DurationUnit::weeks: return static_cast<std::int32_t>(7 * d.amount);
    case DurationUnit::months: return static_cast<std::int32_t>(31 * d.amount);
    case DurationUnit::years: return static_cast<std::int32_t>(366 * d.amount);
    case DurationUnit::periods:
    case DurationUnit::returns: return 0;
  }
  return 0;
}

/// How far from the date one window back a figure may lie and still be "a year earlier": a
/// twelfth of the window, rounded up (1 year: 31 days; 3 months: 8 days; 14 days: 2 days).
std::int32_t default_tolerance_days(const Duration& d) {
  return std::max<std::int32_t>(1, static_cast<std::int32_t>(std::ceil(approximate_days(d) / 12)));
}

std::string quantity_text(const ast::Quantity& q) {
  if (!q.text.empty()) return q.text;
  return format_value(q.value, q.unit);
}

std::string bound_text(const ast::Band& band) {
  std::string text;
  if (band.range && band.lower && band.upper)
    return quantity_text(band.lower->quantity) + " .. " + quantity_text(band.upper->quantity);
  if (band.lower) text = (band.lower->inclusive ? ">= " : "> ") + quantity_text(band.lower->quantity);
  if (band.upper) {
    if (!text.empty()) text += " and ";
    text += (band.upper->inclusive ? "<= " : "< ") + quantity_text(band.upper->quantity);
  }
  if (text.empty()) text = "any";
  return text;
}

struct Compiled {
  std::uint32_t node = kNone;
  ast::Unit unit = ast::Unit::none;
  bool boolean = false;
};

class Compiler {
 public:
  Compiler(const std::vector<ast::File>& files, Program& program)
      : files_(files), strings_(program.names), p_(program) {}

  std::vector<Diagnostic> run() {
    gather();
    declare_metrics();
    for (auto& [name, index] : derived_decls_) ensure_derived(name);
    for (const auto& [file, decl] : indicator_decls_) compile_indicator(*file, *decl);
    for (const auto& [file, decl] : rule_decls_) compile_rule(*file, *decl);
    order_items();
    compile_stale();
    finish_metrics();
    for (const auto& [name, id] : p_.metric_ids)
      if (!p_.metrics[id].anonymous) p_.sendable_names.push_back(name);
    std::sort(p_.sendable_names.begin(), p_.sendable_names.end());
    return std::move(diags_);
  }

 private:
  // ---- diagnostics ----
  void error(const ast::File& file, ast::Location loc, std::string message) {
    diags_.push_back(Diagnostic{file.path, loc, Severity::error, std::move(message)});
  }

  // ---- gathering declarations ----
  void gather() {
    for (const ast::File& file : files_) {
      for (const ast::Item& item : file.items) {
        std::visit(
            [&](const auto& decl) {
              using T = std::decay_t<decltype(decl)>;
              if constexpr (std::is_same_v<T, ast::MetricDecl>) {
                if (metric_decls_.count(decl.name))
                  error(file, decl.loc, "metric " + quoted(decl.name) + " is declared twice");
                else
                  metric_decls_[decl.name] = {&file, &decl};
                metric_order_.push_back(decl.name);
              } else if constexpr (std::is_same_v<T, ast::IndicatorDecl>) {
                if (!alert_names_.insert(decl.name).second)
                  error(file, decl.loc, "an indicator or rule named " + quoted(decl.name) + " already exists");
                else
                  indicator_decls_.push_back({&file, &decl});
                source_order_.push_back({ItemKind::indicator, decl.name});
              } else if constexpr (std::is_same_v<T, ast::RuleDecl>) {
                if (!alert_names_.insert(decl.name).second)
                  error(file, decl.loc, "an indicator or rule named " + quoted(decl.name) + " already exists");
                else
                  rule_decls_.push_back({&file, &decl});
                source_order_.push_back({ItemKind::rule, decl.name});
              } else if constexpr (std::is_same_v<T, ast::BenchmarkDecl>) {
                auto& entries = benchmarks_[decl.name];
                for (const ast::BenchmarkEntry& entry : decl.entries) {
                  BenchmarkValues& values = entries[entry.indicator];
                  values.name = decl.name + "." + entry.indicator;
                  if (!entry.from) {
                    values.undated = entry.quantity.value;
                  } else {
                    values.dated.emplace_back(*entry.from, entry.quantity.value);
                    std::sort(values.dated.begin(), values.dated.end());
                  }
                }
              } else if constexpr (std::is_same_v<T, ast::RouteDecl>) {
                routes_.insert(decl.name);
              } else if constexpr (std::is_same_v<T, ast::ExtractDecl>) {
                extract_decls_.push_back({&file, &decl});
              }
            },
            item);
      }
    }
  }

  std::uint32_t new_metric(const std::string& name, ast::Unit unit, std::vector<std::string> labels) {
    MetricDef metric;
    metric.name = name;
    metric.unit = unit;
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    for (const std::string& label : labels) {
      std::uint32_t id = strings_.intern(label);
      metric.labels.push_back(id);
      metric.label_strings.push_back(strings_.str(id));
    }
    auto id = static_cast<std::uint32_t>(p_.metrics.size());
    p_.metrics.push_back(std::move(metric));
    p_.metric_ids[name] = id;
    return id;
  }

  void declare_metrics() {
    for (const std::string& name : metric_order_) {
      auto [file, decl] = metric_decls_.at(name);
      if (p_.metric_ids.count(name)) continue;
      if (decl->derived) {
        derived_decls_[name] = 0;
        continue;  // labels known once its expression is compiled
      }
      new_metric(name, decl->unit ? decl->unit->value : ast::Unit::none,
                 decl->labels ? decl->labels->value : std::vector<std::string>{});
    }
    // An indicator without a metric of its name reads a metric with no labels.
    for (const auto& [file, decl] : indicator_decls_)
      if (!metric_decls_.count(decl->name) && !p_.metric_ids.count(decl->name))
        new_metric(decl->name, decl->unit ? decl->unit->value : ast::Unit::none, {});
    // An extract may sample a metric nobody declared (the checker warns): it carries the
    // extract's keys and labels.
    for (const auto& [file, decl] : extract_decls_) {
      std::vector<std::string> labels;
      for (const ast::Binding& b : decl->bindings)
        if (b.kind != ast::BindingKind::sample) labels.push_back(b.name);
      for (const ast::Binding& b : decl->bindings)
        if (b.kind == ast::BindingKind::sample && !metric_decls_.count(b.name) &&
            !p_.metric_ids.count(b.name))
          new_metric(b.name, ast::Unit::none, labels);
    }
  }

  // ---- derived metrics ----

  /// Compiles a declared derived metric (and what it reads) if not yet done; returns its id or
  /// kNone when it is in a cycle or failed.
  std::uint32_t ensure_derived(const std::string& name) {
    if (auto it = p_.metric_ids.find(name); it != p_.metric_ids.end()) return it->second;
    auto [file, decl] = metric_decls_.at(name);
    if (visiting_.count(name)) {
      error(*file, decl->loc, "derived metric " + quoted(name) + " depends on itself");
      failed_.insert(name);
      return kNone;
    }
    if (failed_.count(name)) return kNone;
    visiting_.insert(name);
    std::uint32_t id = compile_derived(*file, name, *decl->derived,
                                       decl->unit ? decl->unit->value : ast::Unit::none, false);
    visiting_.erase(name);
    if (id == kNone) failed_.insert(name);
    return id;
  }

  std::uint32_t compile_derived(const ast::File& file, const std::string& name, const ast::Expr& expr,
                                ast::Unit declared_unit, bool anonymous) {
    // Compiling a derived metric may happen in the middle of another item: keep its owner.
    struct KeepOwner {
      std::string& owner;
      std::string saved;
      ~KeepOwner() { owner = saved; }
    } keep{owner_, owner_};
    DerivedDef derived;
    std::vector<std::string> labels;
    ast::Unit unit = ast::Unit::none;
    const ast::Expr* body = &expr;
    if (expr.kind == ast::ExprKind::aggregate) {
      derived.aggregate = true;
      const std::string& fn = expr.name;
      derived.agg = fn == "count" ? AggKind::count : fn == "sum" ? AggKind::sum : fn == "avg" ? AggKind::avg
                  : fn == "min" ? AggKind::min : fn == "max" ? AggKind::max : AggKind::share;
      if (expr.args.size() != 1) {
        error(file, expr.loc, fn + " takes one metric, as in `" + fn + "(open_case) by (team)`");
        return kNone;
      }
      body = &expr.args[0];
    }
    if (!start_program(file, derived.program, {body}, name, "metric " + quoted(name))) return kNone;
    Compiled root = compile_expr(file, derived.program, *body, nullptr);
    if (root.node == kNone) return kNone;
    derived.root = root.node;
    derived.boolean_arg = root.boolean;
    const MetricDef& driver = p_.metrics[derived.program.driver];
    if (derived.aggregate) {
      std::vector<std::string> by = expr.by;
      std::sort(by.begin(), by.end());
      by.erase(std::unique(by.begin(), by.end()), by.end());
      for (const std::string& label : by) {
        std::uint32_t id = strings_.find(label);
        if (id == kNone || std::find(driver.labels.begin(), driver.labels.end(), id) == driver.labels.end()) {
          error(file, expr.loc, "cannot group by " + quoted(label) + ": " + quoted(driver.name) +
                                    " has no such label" + did_you_mean_label(label, driver));
          return kNone;
        }
        derived.by.push_back(id);
        labels.push_back(label);
      }
      switch (derived.agg) {
        case AggKind::count: unit = ast::Unit::count; break;
        case AggKind::share: unit = ast::Unit::percent; break;
        default: unit = root.unit; break;
      }
    } else {
      if (root.boolean) {
        error(file, expr.loc, "a derived metric is a value, not a condition");
        return kNone;
      }
      for (std::uint32_t label : driver.labels) labels.emplace_back(strings_.str(label));
      unit = root.unit;
    }
    if (declared_unit != ast::Unit::none) unit = declared_unit;
    std::uint32_t id = new_metric(name, unit, labels);
    p_.metrics[id].derived = true;
    p_.metrics[id].anonymous = anonymous;
    p_.metrics[id].derived_index = static_cast<std::uint32_t>(p_.derived.size());
    derived.metric = id;
    p_.derived.push_back(std::move(derived));
    return id;
  }

  std::string did_you_mean_label(const std::string& label, const MetricDef& metric) {
    std::vector<std::string> candidates;
    for (std::uint32_t l : metric.labels) candidates.emplace_back(strings_.str(l));
    std::string best = did_you_mean(label, candidates);
    return best.empty() ? "" : "; did you mean " + quoted(best) + "?";
  }

  // ---- expressions ----

  /// Finds the metric a name refers to, compiling a derived one on first use.
  std::uint32_t metric_named(const std::string& name) {
    if (auto it = p_.metric_ids.find(name); it != p_.metric_ids.end()) return it->second;
    if (metric_decls_.count(name) && metric_decls_.at(name).second->derived) return ensure_derived(name);
    return kNone;
  }

  /// The metric an aggregate written inside another expression computes (anonymous derived).
  std::uint32_t anonymous_metric(const ast::File& file, const ast::Expr& expr, const std::string& owner) {
    if (auto it = anonymous_.find(&expr); it != anonymous_.end()) return it->second;
    std::string name = owner + "#" + std::to_string(++anonymous_count_[owner]);
    std::uint32_t id = compile_derived(file, name, expr, ast::Unit::none, true);
    anonymous_[&expr] = id;
    return id;
  }

  /// Collects the metrics an expression reads at its own level (aggregates count as the
  /// anonymous metric they compute).
  void collect_metrics(const ast::File& file, const ast::Expr& expr, const std::string& owner,
                       std::vector<std::uint32_t>& out, bool& ok) {
    switch (expr.kind) {
      case ast::ExprKind::ref: {
        if (expr.name.find('.') != std::string::npos) return;
        std::uint32_t id = metric_named(expr.name);
        if (id != kNone) out.push_back(id);
        else if (metric_decls_.count(expr.name)) ok = false;  // a failed derived metric
        return;
      }
      case ast::ExprKind::aggregate: {
        std::uint32_t id = anonymous_metric(file, expr, owner);
        if (id == kNone) ok = false;
        else out.push_back(id);
        return;
      }
      default:
        for (const ast::Expr& arg : expr.args) collect_metrics(file, arg, owner, out, ok);
    }
  }

  /// Chooses the driver metric of a program: the metric read with the most labels (the first on
  /// a tie). Every other metric's labels must be a subset, so each driver series finds its match.
  bool start_program(const ast::File& file, ExprProgram& program, std::vector<const ast::Expr*> exprs,
                     const std::string& owner, const std::string& what) {
    std::vector<std::uint32_t> metrics;
    bool ok = true;
    for (const ast::Expr* e : exprs)
      if (e) collect_metrics(file, *e, owner, metrics, ok);
    if (!ok) return false;
    for (std::uint32_t m : metrics)
      if (program.driver == kNone || p_.metrics[m].labels.size() > p_.metrics[program.driver].labels.size())
        program.driver = m;
    if (program.driver == kNone) {
      for (const ast::Expr* e : exprs)
        if (e && report_unknown(file, *e)) return false;
      error(file, exprs.front()->loc, what + " reads no metric");
      return false;
    }
    owner_ = owner;
    return true;
  }

  /// Reports the first identifier in `expr` that names nothing (with a suggestion); false if
  /// there is none.
  bool report_unknown(const ast::File& file, const ast::Expr& expr) {
    if (expr.kind == ast::ExprKind::ref && expr.name.find('.') == std::string::npos &&
        !metric_decls_.count(expr.name) && !p_.metric_ids.count(expr.name)) {
      std::vector<std::string> candidates;
      for (const auto& [name, decl] : metric_decls_) candidates.push_back(name);
      for (const auto& [name, id] : p_.metric_ids)
        if (!p_.metrics[id].anonymous) candidates.push_back(name);
      std::string best = did_you_mean(expr.name, candidates);
      error(file, expr.loc, "unknown metric " + quoted(expr.name) + (best.empty() ? "" : "; did you mean " + quoted(best) + "?"));
      return true;
    }
    for (const ast::Expr& arg : expr.args)
      if (report_unknown(file, arg)) return true;
    return false;
  }

  std::uint32_t add_node(ExprProgram& program, ExprNode node) {
    program.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(program.nodes.size() - 1);
  }

  bool driver_has_label(const ExprProgram& program, std::uint32_t label) const {
    const MetricDef& d = p_.metrics[program.driver];
    return std::find(d.labels.begin(), d.labels.end(), label) != d.labels.end();
  }

  /// A reference to metric `metric` from the driver's series.
  std::uint32_t add_ref(const ast::File& file, ExprProgram& program, std::uint32_t metric,
                        const std::vector<ast::LabelMatcher>& matchers, ast::Location loc) {
    MetricRef ref;
    ref.metric = metric;
    const MetricDef& m = p_.metrics[metric];
    for (const ast::LabelMatcher& matcher : matchers) {
      std::uint32_t name = strings_.intern(matcher.label);
      if (std::find(m.labels.begin(), m.labels.end(), name) == m.labels.end()) {
        error(file, matcher.loc, "metric " + quoted(m.name) + " has no label " + quoted(matcher.label) +
                                     did_you_mean_label(matcher.label, m));
        return kNone;
      }
      (matcher.negated ? ref.ne : ref.eq).push_back({name, label_text(matcher.value)});
    }
    if (metric == program.driver) {
      ref.join = Join::self;
    } else if (m.labels.empty()) {
      ref.join = Join::scalar;
    } else {
      ref.join = Join::project;
      for (std::uint32_t label : m.labels) {
        bool fixed = std::any_of(ref.eq.begin(), ref.eq.end(), [&](const LabelPair& p) { return p.name == label; });
        if (fixed) continue;
        if (!driver_has_label(program, label)) {
          error(file, loc, "cannot match " + quoted(m.name) + " to the series of " +
                               quoted(p_.metrics[program.driver].name) + ": it has label " +
                               quoted(strings_.str(label)) + " that " + quoted(p_.metrics[program.driver].name) +
                               " lacks (fix it with a matcher, e.g. " + m.name + "{" +
                               std::string(strings_.str(label)) + "=\"...\"})");
          return kNone;
        }
        ref.project.push_back(label);
      }
    }
    program.refs.push_back(std::move(ref));
    if (std::find(program.reads.begin(), program.reads.end(), metric) == program.reads.end())
      program.reads.push_back(metric);
    return static_cast<std::uint32_t>(program.refs.size() - 1);
  }

  /// The label id of a bare identifier that names a label of the driver, or kNone.
  std::uint32_t label_of(const ExprProgram& program, const ast::Expr& expr) {
    if (expr.kind != ast::ExprKind::ref || !expr.matchers.empty()) return kNone;
    if (metric_named(expr.name) != kNone) return kNone;
    std::uint32_t id = strings_.find(expr.name);
    if (id == kNone || !driver_has_label(program, id)) return kNone;
    return id;
  }

  // An empty label value is an absent label (as in Prometheus): series carry no label for it,
  // so `worker=""` must compare equal to "no worker label", which reads as kNone.
  std::uint32_t label_text(const std::string& value) { return value.empty() ? kNone : strings_.intern(value); }

  Compiled compile_label_comparison(const ast::File& file, ExprProgram& program, const ast::Expr& expr) {
    const ast::Expr& l = expr.args[0];
    const ast::Expr& r = expr.args[1];
    std::uint32_t ll = label_of(program, l), rl = label_of(program, r);
    ExprNode node;
    node.negated = expr.op == ast::Op::not_equal;
    if (ll != kNone && rl != kNone) {
      node.op = Node::labels_equal;
      node.a = ll;
      node.b = rl;
    } else if (ll != kNone && r.kind == ast::ExprKind::string) {
      node.op = Node::label_eq;
      node.a = ll;
      node.b = label_text(r.name);
    } else if (rl != kNone && l.kind == ast::ExprKind::string) {
      node.op = Node::label_eq;
      node.a = rl;
      node.b = label_text(l.name);
    } else {
      error(file, expr.loc, "a label can only be compared with a string or another label, with == or !=");
      return {};
    }
    return {add_node(program, std::move(node)), ast::Unit::none, true};
  }

  static std::optional<Duration> duration_of(const ast::Expr& expr) {
    if (expr.kind == ast::ExprKind::number && expr.quantity.duration) return expr.quantity.duration;
    return std::nullopt;
  }

  /// Compiles `expr` into `program`. `value_root` (when given) receives the left side of the
  /// first numeric comparison: the rule's `{value}`.
  Compiled compile_expr(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                        Compiled* value_root) {
    switch (expr.kind) {
      case ast::ExprKind::number: {
        if (expr.quantity.duration) {
          const Duration& d = *expr.quantity.duration;
          if (d.unit == DurationUnit::days || d.unit == DurationUnit::weeks) {
            ExprNode node;
            node.number = static_cast<double>(d.unit == DurationUnit::weeks ? 7 * d.amount : d.amount);
            return {add_node(program, std::move(node)), ast::Unit::days, false};
          }
          error(file, expr.loc, "a duration of " + to_string(d) +
                                    " can only be compared with an age in days (e.g. `cp_plan_age >= 2 years`)");
          return {};
        }
        ExprNode node;
        node.number = expr.quantity.value;
        return {add_node(program, std::move(node)), expr.quantity.unit, false};
      }
      case ast::ExprKind::string:
        error(file, expr.loc, "text can only be compared with a label");
        return {};
      case ast::ExprKind::date:
        error(file, expr.loc, "dates cannot be used in rule expressions");
        return {};
      case ast::ExprKind::match:
        error(file, expr.loc, "match(...) belongs in an extract's label mapping");
        return {};
      case ast::ExprKind::ref: return compile_ref(file, program, expr);
      case ast::ExprKind::aggregate: {
        std::uint32_t metric = anonymous_metric(file, expr, owner_);
        if (metric == kNone) return {};
        std::uint32_t ref = add_ref(file, program, metric, {}, expr.loc);
        if (ref == kNone) return {};
        ExprNode node;
        node.op = Node::ref;
        node.ref = ref;
        return {add_node(program, std::move(node)), p_.metrics[metric].unit, false};
      }
      case ast::ExprKind::call: return compile_call(file, program, expr, value_root);
      case ast::ExprKind::unary: {
        if (expr.args.size() != 1) return {};
        Compiled a = compile_expr(file, program, expr.args[0], value_root);
        if (a.node == kNone) return {};
        ExprNode node;
        node.op = expr.op == ast::Op::logical_not ? Node::logical_not : Node::negate;
        node.a = a.node;
        return {add_node(program, std::move(node)), a.unit, node.op == Node::logical_not};
      }
      case ast::ExprKind::in_list: {
        if (expr.args.empty()) return {};
        std::uint32_t label = label_of(program, expr.args[0]);
        if (label == kNone) {
          error(file, expr.args[0].loc, "`in (...)` tests a label of " +
                                            quoted(p_.metrics[program.driver].name) + ", and " +
                                            quoted(expr.args[0].name) + " is not one");
          return {};
        }
        ExprNode node;
        node.op = Node::label_in;
        node.a = label;
        node.negated = expr.negated;
        for (std::size_t i = 1; i < expr.args.size(); ++i) {
          if (expr.args[i].kind != ast::ExprKind::string) {
            error(file, expr.args[i].loc, "the list after `in` holds strings");
            return {};
          }
          node.set.push_back(strings_.intern(expr.args[i].name));
        }
        std::sort(node.set.begin(), node.set.end());
        return {add_node(program, std::move(node)), ast::Unit::none, true};
      }
      case ast::ExprKind::binary: return compile_binary(file, program, expr, value_root);
    }
    return {};
  }

  Compiled compile_ref(const ast::File& file, ExprProgram& program, const ast::Expr& expr) {
    if (auto dot = expr.name.find('.'); dot != std::string::npos) {
      std::string bench = expr.name.substr(0, dot), entry = expr.name.substr(dot + 1);
      std::uint32_t index = benchmark_index(bench, entry);
      if (index == kNone) {
        error(file, expr.loc, "no benchmark value " + quoted(expr.name));
        return {};
      }
      // One undated value is a constant; dated values are looked up at the series' date.
      ExprNode node;
      const BenchmarkValues& values = p_.benchmarks[index];
      if (values.dated.empty()) {
        node.number = *values.undated;
      } else {
        node.op = Node::benchmark;
        node.a = index;
      }
      ast::Unit unit = ast::Unit::none;
      if (auto m = p_.metric_ids.find(entry); m != p_.metric_ids.end()) unit = p_.metrics[m->second].unit;
      return {add_node(program, std::move(node)), unit, false};
    }
    std::uint32_t metric = metric_named(expr.name);
    if (metric != kNone) {
      std::uint32_t ref = add_ref(file, program, metric, expr.matchers, expr.loc);
      if (ref == kNone) return {};
      ExprNode node;
      node.op = Node::ref;
      node.ref = ref;
      return {add_node(program, std::move(node)), p_.metrics[metric].unit, false};
    }
    if (label_of(program, expr) != kNone) {
      error(file, expr.loc, "label " + quoted(expr.name) + " is text: compare it with a string (== \"...\" or in (...))");
      return {};
    }
    if (!metric_decls_.count(expr.name)) {
      std::vector<std::string> candidates;
      for (const auto& [name, id] : p_.metric_ids)
        if (!p_.metrics[id].anonymous) candidates.push_back(name);
      for (const auto& [name, decl] : metric_decls_) candidates.push_back(name);
      for (std::uint32_t l : p_.metrics[program.driver].labels) candidates.emplace_back(strings_.str(l));
      std::string best = did_you_mean(expr.name, candidates);
      error(file, expr.loc, quoted(expr.name) + " is neither a metric nor a label of " +
                                quoted(p_.metrics[program.driver].name) +
                                (best.empty() ? "" : "; did you mean " + quoted(best) + "?"));
    }
    return {};
  }

  Compiled compile_call(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                        Compiled* value_root) {
    static const std::map<std::string, HistoryFn> kHistory = {
        {"pct_change", HistoryFn::pct_change}, {"change", HistoryFn::change},
        {"prev", HistoryFn::prev},             {"avg_over", HistoryFn::avg_over},
        {"sum_over", HistoryFn::sum_over},     {"min_over", HistoryFn::min_over},
        {"max_over", HistoryFn::max_over}};
    if (auto it = kHistory.find(expr.name); it != kHistory.end()) {
      if (expr.args.empty() || expr.args.size() > 3) {
        error(file, expr.loc, expr.name + " takes a metric and a look-back period, e.g. " + expr.name + "(x, 1 year)");
        return {};
      }
      const ast::Expr& target = expr.args[0];
      std::uint32_t metric = kNone;
      if (target.kind == ast::ExprKind::ref) metric = metric_named(target.name);
      else if (target.kind == ast::ExprKind::aggregate) metric = anonymous_metric(file, target, owner_);
      if (metric == kNone) {
        error(file, target.loc, expr.name + " reads the history of a metric; " +
                                    (target.kind == ast::ExprKind::ref ? quoted(target.name) + " is not one" : "write a metric here"));
        return {};
      }
      ExprNode node;
      node.op = Node::history;
      node.fn = it->second;
      node.ref = add_ref(file, program, metric, target.kind == ast::ExprKind::ref ? target.matchers
                                                                                   : std::vector<ast::LabelMatcher>{},
                         target.loc);
      if (node.ref == kNone) return {};
      if (expr.args.size() >= 2) {
        std::optional<Duration> d = duration_of(expr.args[1]);
        if (!d || d->amount <= 0) {
          error(file, expr.args[1].loc, "the look-back of " + expr.name + " is a period such as `1 year` or `3 returns`");
          return {};
        }
        node.duration = *d;
      } else if (node.fn == HistoryFn::prev) {
        node.duration = Duration{1, DurationUnit::returns};
      } else {
        error(file, expr.loc, expr.name + " needs a look-back period, e.g. " + expr.name + "(x, 1 year)");
        return {};
      }
      if (!counts_returns(node.duration.unit)) node.tolerance_days = default_tolerance_days(node.duration);
      if (expr.args.size() == 3) {
        std::optional<Duration> t = duration_of(expr.args[2]);
        if (!t || counts_returns(t->unit) || t->amount < 0 || counts_returns(node.duration.unit)) {
          error(file, expr.args[2].loc, "the third argument of " + expr.name +
                                            " is how far from one window back a figure may be, e.g. " + expr.name +
                                            "(x, 1 year, 45 days)");
          return {};
        }
        node.tolerance_days = approx_days(*t);
      }
      MetricDef& m = p_.metrics[metric];
      if (counts_returns(node.duration.unit))
        m.keep_points = std::max<std::int32_t>(m.keep_points, static_cast<std::int32_t>(node.duration.amount + 1));
      else
        m.keep_days = std::max(m.keep_days, approx_days(node.duration) + node.tolerance_days);
      ast::Unit unit = node.fn == HistoryFn::pct_change ? ast::Unit::percent : m.unit;
      return {add_node(program, std::move(node)), unit, false};
    }
    if (expr.name == "abs" && expr.args.size() == 1) {
      Compiled a = compile_expr(file, program, expr.args[0], value_root);
      if (a.node == kNone) return {};
      ExprNode node;
      node.op = Node::abs_value;
      node.a = a.node;
      return {add_node(program, std::move(node)), a.unit, false};
    }
    if (expr.name == "age" || expr.name == "is_blank") {
      error(file, expr.loc, expr.name + "(...) reads an extract's columns: use it in an extract");
      return {};
    }
    error(file, expr.loc, "unknown function " + quoted(expr.name));
    return {};
  }

  Compiled compile_binary(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                          Compiled* value_root) {
    if (expr.args.size() != 2) return {};
    const ast::Expr& l = expr.args[0];
    const ast::Expr& r = expr.args[1];
    if (is_comparison(expr.op)) {
      bool textual = l.kind == ast::ExprKind::string || r.kind == ast::ExprKind::string ||
                     label_of(program, l) != kNone || label_of(program, r) != kNone;
      if (textual) return compile_label_comparison(file, program, expr);
      // An age in days against a calendar duration: measured on the calendar.
      std::optional<Duration> ld = duration_of(l), rd = duration_of(r);
      auto calendar = [](const std::optional<Duration>& d) {
        return d && (d->unit == DurationUnit::months || d->unit == DurationUnit::years);
      };
      if (calendar(ld) || calendar(rd)) {
        bool right = calendar(rd);
        Compiled age = compile_expr(file, program, right ? l : r, nullptr);
        if (age.node == kNone) return {};
        if (value_root && value_root->node == kNone) *value_root = age;
        ExprNode node;
        node.op = Node::age_compare;
        node.cmp = right ? node_of(expr.op) : flipped(node_of(expr.op));
        node.a = age.node;
        node.duration = right ? *rd : *ld;
        return {add_node(program, std::move(node)), ast::Unit::none, true};
      }
    }
    Compiled a = compile_expr(file, program, l, value_root);
    if (a.node == kNone) return {};
    if (value_root && value_root->node == kNone && is_comparison(expr.op) && !a.boolean) *value_root = a;
    Compiled b = compile_expr(file, program, r, value_root);
    if (b.node == kNone) return {};
    ExprNode node;
    node.op = node_of(expr.op);
    node.a = a.node;
    node.b = b.node;
    Compiled out{add_node(program, std::move(node)), ast::Unit::none, false};
    switch (expr.op) {
      case ast::Op::logical_and:
      case ast::Op::logical_or: out.boolean = true; break;
      case ast::Op::add:
      case ast::Op::subtract: out.unit = a.unit != ast::Unit::none ? a.unit : b.unit; break;
      case ast::Op::multiply: {
        const ExprNode& rn = program.nodes[b.node];
        if (a.unit == ast::Unit::number && rn.op == Node::constant && rn.number == 10000)
          out.unit = ast::Unit::rate_per_10k;
        else if (a.unit == ast::Unit::number && rn.op == Node::constant && rn.number == 100)
          out.unit = ast::Unit::percent;
        else
          out.unit = a.unit != ast::Unit::none ? a.unit : b.unit;
        break;
      }
      case ast::Op::divide:
        if (b.unit == ast::Unit::none) out.unit = a.unit;
        else out.unit = ast::Unit::number;  // a ratio of two quantities
        break;
      default: out.boolean = is_comparison(expr.op); break;
    }
    return out;
  }

  // ---- indicators ----
  void compile_indicator(const ast::File& file, const ast::IndicatorDecl& decl) {
    IndicatorDef ind;
    ind.name = decl.name;
    ind.title = decl.title ? decl.title->value : decl.name;
    ind.group = decl.group ? decl.group->value : "";
    ind.better = decl.better ? decl.better->value : ast::Better::unspecified;
    if (decl.closer_to) ind.closer_to = decl.closer_to->value;
    if (decl.tolerance) ind.tolerance = decl.tolerance->value;
    ind.frame = decl.frame ? decl.frame->value : ast::Frame::unspecified;
    std::uint32_t metric = metric_named(decl.name);
    if (metric == kNone) return;  // its derived metric failed and was reported
    ind.metric = metric;
    ind.unit = decl.unit ? decl.unit->value : p_.metrics[metric].unit;
    ind.round = decl.round ? static_cast<int>(decl.round->value) : -1;
    ind.fixed_decimals = decl.decimals.has_value();
    ind.decimals = decl.decimals ? static_cast<int>(decl.decimals->value) : ind.round;
    ind.program.driver = metric;
    owner_ = decl.name;
    for (const auto& route : decl.routes) {
      if (!routes_.count(route.value)) {
        error(file, route.loc, "unknown route " + quoted(route.value) + route_hint(route.value));
        return;
      }
      ind.routes.push_back(route.value);
    }
    if (decl.cohort) {
      std::uint32_t cm = metric_named(decl.cohort->value.metric);
      if (cm == kNone) {
        error(file, decl.cohort->loc, "unknown cohort metric " + quoted(decl.cohort->value.metric));
        return;
      }
      std::uint32_t ref = add_ref(file, ind.program, cm, {}, decl.cohort->loc);
      if (ref == kNone) return;
      ExprNode node;
      node.op = Node::ref;
      node.ref = ref;
      ind.cohort = add_node(ind.program, std::move(node));
      ind.cohort_minimum = static_cast<double>(decl.cohort->value.minimum);
    }
    for (std::size_t i = 0; i < decl.band_sets.size(); ++i) {
      const ast::BandSet& set = decl.band_sets[i];
      BandSetDef out;
      out.source_index = i;
      if (set.from) {
        out.has_from = true;
        out.from = *set.from;
      }
      if (set.where) {
        out.where_text = format_expression(*set.where);
        Compiled where = compile_expr(file, ind.program, *set.where, nullptr);
        if (where.node == kNone) return;
        out.where = where.node;
      }
      for (const ast::Band& band : set.bands) {
        BandDef b;
        b.colour = band.colour;
        // A limit: a number (days and weeks as days), a benchmark, or months and years.
        auto limit = [&](const ast::Bound& bound, double& value, std::uint32_t& benchmark,
                         std::optional<Duration>& calendar) {
          if (!bound.benchmark.empty()) {
            benchmark = benchmark_index(bound.benchmark, decl.name);
            if (benchmark == kNone) error(file, band.loc, "no benchmark value " + quoted(bound.benchmark + "." + decl.name));
            return benchmark != kNone;
          }
          value = bound.quantity.value;
          if (const auto& d = bound.quantity.duration) {
            if (d->unit == DurationUnit::days) value = static_cast<double>(d->amount);
            else if (d->unit == DurationUnit::weeks) value = 7.0 * static_cast<double>(d->amount);
            else if (d->unit == DurationUnit::months || d->unit == DurationUnit::years) calendar = *d;
            else {
              error(file, band.loc, "a band limit of " + to_string(*d) + " has no length in days");
              return false;
            }
          }
          return true;
        };
        if (band.lower) {
          b.has_lower = true;
          if (!limit(*band.lower, b.lower, b.lower_benchmark, b.lower_calendar)) return;
          b.lower_inclusive = band.lower->inclusive || band.range;
        }
        if (band.upper) {
          b.has_upper = true;
          if (!limit(*band.upper, b.upper, b.upper_benchmark, b.upper_calendar)) return;
          b.upper_inclusive = band.upper->inclusive || band.range;
        }
        out.bands.push_back(b);
        if (!out.target.empty()) out.target += ", ";
        out.target += std::string(ast::to_string(band.colour)) + " " + bound_text(band);
        if (band.colour == ast::Colour::green) out.green += (out.green.empty() ? "" : " or ") + bound_text(band);
      }
      ind.band_sets.push_back(std::move(out));
    }
    // Priority: a scoped block before the unscoped ones; among equals the latest `from` in force;
    // then source order. evaluate picks the first in force whose `where` matches.
    std::stable_sort(ind.band_sets.begin(), ind.band_sets.end(), [](const BandSetDef& x, const BandSetDef& y) {
      bool xs = x.where != kNone, ys = y.where != kNone;
      if (xs != ys) return xs;
      if (x.has_from != y.has_from) return x.has_from;
      if (x.has_from && x.from != y.from) return x.from > y.from;
      return x.source_index < y.source_index;
    });
    MetricDef& m = p_.metrics[metric];
    m.keep_points = std::max(m.keep_points, 2);  // the short trend reads the previous value
    if (decl.expect_every) stale_sources_.push_back({decl.name, {metric}, decl.expect_every->value, ind.routes});
    MessageSource source;
    source.indicator = true;
    source.previous = true;
    source.entry = decl.name;
    if (decl.message) ind.message = parse_message(decl.message->value, ind.program, source);
    if (decl.resolved_message) ind.resolved_message = parse_message(decl.resolved_message->value, ind.program, source);
    if (!source.problem.empty()) error(file, decl.loc, source.problem);
    p_.indicator_ids[ind.name] = static_cast<std::uint32_t>(p_.indicators.size());
    p_.indicators.push_back(std::move(ind));
  }

  // ---- rules ----
  void compile_rule(const ast::File& file, const ast::RuleDecl& decl) {
    RuleDef rule;
    rule.name = decl.name;
    rule.title = decl.title ? decl.title->value : decl.name;
    if (!decl.when) {
      error(file, decl.loc, "rule " + quoted(decl.name) + " has no `when`");
      return;
    }
    if (!start_program(file, rule.program, {&*decl.when}, decl.name, "rule " + quoted(decl.name))) return;
    Compiled value;
    Compiled when = compile_expr(file, rule.program, *decl.when, &value);
    if (when.node == kNone) return;
    rule.when = when.node;
    rule.value = value.node != kNone ? value.node : when.node;
    rule.value_unit = value.node != kNone ? value.unit : when.unit;
    if (decl.unless) {
      Compiled unless = compile_expr(file, rule.program, *decl.unless, nullptr);
      if (unless.node == kNone) return;
      rule.unless = unless.node;
    }
    if (decl.clear_when) {
      Compiled clear = compile_expr(file, rule.program, *decl.clear_when, nullptr);
      if (clear.node == kNone) return;
      rule.clear = clear.node;
    }
    if (decl.severity) rule.severity = decl.severity->value;
    if (rule.severity == ast::Colour::green) rule.severity = ast::Colour::amber;
    if (decl.for_returns) {
      // `for N periods`: N returns after the first; `for N returns`: N returns in all.
      const Duration& hold = decl.for_returns->value;
      std::int64_t required = hold.unit == DurationUnit::periods ? hold.amount + 1 : hold.amount;
      rule.required_returns = std::max<std::int64_t>(1, required);
    }
    for (const ast::Escalation& esc : decl.escalations) {
      if (esc.to_route && !routes_.count(*esc.to_route)) {
        error(file, esc.to_route_loc, "unknown route " + quoted(*esc.to_route) + route_hint(*esc.to_route));
        return;
      }
      EscalationDef out;
      out.severity = esc.severity;
      out.to_route = esc.to_route.value_or("");
      if (esc.when) {
        Compiled condition = compile_expr(file, rule.program, *esc.when, nullptr);
        if (condition.node == kNone) return;
        out.trigger = Trigger::condition;
        out.condition = condition.node;
      } else {
        out.trigger = counts_returns(esc.after.unit) ? Trigger::returns : Trigger::calendar;
        out.after = esc.after;
        if (esc.after.unit == DurationUnit::returns) out.returns_after = std::max<std::int64_t>(0, esc.after.amount - 1);
        else if (esc.after.unit == DurationUnit::periods) out.returns_after = esc.after.amount;
      }
      rule.escalations.push_back(std::move(out));
    }
    for (const auto& route : decl.routes) {
      if (!routes_.count(route.value)) {
        error(file, route.loc, "unknown route " + quoted(route.value) + route_hint(route.value));
        return;
      }
      rule.routes.push_back(route.value);
    }
    MessageSource source;
    if (const ast::Expr* comparison = ast::first_comparison(*decl.when)) {
      const ast::Expr& left = comparison->args[0];
      const ast::Expr& right = comparison->args[1];
      if (right.kind == ast::ExprKind::number) source.target_text = quantity_text(right.quantity);
      else if (right.kind == ast::ExprKind::ref && right.name.find('.') != std::string::npos)
        source.target_benchmark = benchmark_index(right.name.substr(0, right.name.find('.')),
                                                  right.name.substr(right.name.find('.') + 1));
      if (left.kind == ast::ExprKind::ref && left.name.find('.') == std::string::npos && left.matchers.empty()) {
        source.entry = left.name;
        std::uint32_t metric = metric_named(left.name);
        if (metric != kNone && metric == rule.program.driver) rule.previous_metric = metric;
      }
    }
    source.previous = rule.previous_metric != kNone;
    for (const auto* text : {&decl.message, &decl.resolved_message}) {
      if (!*text) continue;
      std::vector<MessagePart> parts = parse_message((*text)->value, rule.program, source);
      if (!source.problem.empty()) {
        error(file, (*text)->loc, source.problem);
        return;
      }
      (text == &decl.message ? rule.message : rule.resolved_message) = std::move(parts);
    }
    p_.rule_ids[rule.name] = static_cast<std::uint32_t>(p_.rules.size());
    p_.rules.push_back(std::move(rule));
  }

  std::string route_hint(const std::string& name) {
    std::string best = did_you_mean(name, std::vector<std::string>(routes_.begin(), routes_.end()));
    return best.empty() ? "" : "; did you mean " + quoted(best) + "?";
  }

  /// What a message's {target}, {previous} and {benchmark.NAME} read; `problem` is set when a
  /// placeholder cannot be filled (the checker says so first, in its own words).
  struct MessageSource {
    bool indicator = false;
    std::string target_text;                 // a rule's constant right-hand side, as written
    std::uint32_t target_benchmark = kNone;  // or a benchmark value
    bool previous = false;
    std::string entry;                       // the metric or indicator of {benchmark.NAME}
    std::string problem;
  };

  std::vector<MessagePart> parse_message(const std::string& text, const ExprProgram& program,
                                         MessageSource& source) {
    std::vector<MessagePart> parts;
    auto literal = [&](std::string_view s) {
      if (s.empty()) return;
      if (parts.empty() || parts.back().kind != Segment::text) parts.push_back({Segment::text, "", kNone});
      parts.back().text += s;
    };
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t open = text.find('{', at);
      if (open == std::string::npos) break;
      std::size_t close = text.find('}', open);
      if (close == std::string::npos) break;
      literal(std::string_view(text).substr(at, open - at));
      std::string name = text.substr(open + 1, close - open - 1);
      std::uint32_t label = strings_.find(name);
      if (name == "value") parts.push_back({Segment::value, "", kNone});
      else if (name == "band") parts.push_back({Segment::band, "", kNone});
      else if (name == "target" && source.indicator) parts.push_back({Segment::target, "", kNone});
      else if (name == "target" && source.target_benchmark != kNone)
        parts.push_back({Segment::benchmark, "", source.target_benchmark});
      else if (name == "target" && !source.target_text.empty()) literal(source.target_text);
      else if (name == "previous" && source.previous) parts.push_back({Segment::previous, "", kNone});
      else if (name.starts_with("benchmark.") &&
               benchmark_index(name.substr(10), source.entry) != kNone)
        parts.push_back({Segment::benchmark, "", benchmark_index(name.substr(10), source.entry)});
      else if (name == "previous")
        source.problem = "message placeholder {previous}: the metric on the left of the first comparison in `when` "
                         "must be the one whose series the alerts follow";
      else if (name == "target" || name.starts_with("benchmark."))
        source.problem = "message placeholder {" + name + "} cannot be filled here (bandwatch check says why)";
      else if (label != kNone && driver_has_label(program, label)) parts.push_back({Segment::label, "", label});
      else literal(std::string_view(text).substr(open, close - open + 1));
      at = close + 1;
    }
    literal(std::string_view(text).substr(std::min(at, text.size())));
    return parts;
  }

  // ---- stale, order, retention ----
  static std::vector<std::string> route_names(const std::vector<ast::Located<std::string>>& routes) {
    std::vector<std::string> out;
    for (const auto& route : routes)
      if (std::find(out.begin(), out.end(), route.value) == out.end()) out.push_back(route.value);
    return out;
  }

  void compile_stale() {
    // Metrics first, in the order written; then the indicators' and the extracts'.
    std::vector<StaleDef> metrics;
    for (const std::string& name : metric_order_) {
      auto [file, decl] = metric_decls_.at(name);
      if (!decl->expect_every) continue;
      std::uint32_t id = metric_named(name);
      if (id != kNone) metrics.push_back({name, {id}, decl->expect_every->value, route_names(decl->routes)});
    }
    stale_sources_.insert(stale_sources_.begin(), metrics.begin(), metrics.end());
    for (const auto& [file, decl] : extract_decls_) {
      if (!decl->expect_every) continue;
      StaleDef stale{decl->name, {}, decl->expect_every->value, route_names(decl->routes)};
      for (const ast::Binding& b : decl->bindings)
        if (b.kind == ast::BindingKind::sample)
          if (std::uint32_t id = metric_named(b.name); id != kNone) stale.metrics.push_back(id);
      stale_sources_.push_back(std::move(stale));
    }
    for (StaleDef& s : stale_sources_) {
      std::string name = s.name;
      if (p_.stale_ids.count(name)) continue;
      p_.stale_ids[name] = static_cast<std::uint32_t>(p_.stale.size());
      p_.stale.push_back(std::move(s));
    }
  }

  void order_items() {
    for (const auto& [kind, name] : source_order_) {
      if (kind == ItemKind::indicator) {
        if (auto it = p_.indicator_ids.find(name); it != p_.indicator_ids.end())
          p_.order.push_back({kind, it->second});
      } else if (auto it = p_.rule_ids.find(name); it != p_.rule_ids.end()) {
        p_.order.push_back({kind, it->second});
      }
    }
  }

  void finish_metrics() {
    // Retention flows back through derived metrics: a window over a derived metric needs no more
    // of its inputs (the derived series keeps its own history), so nothing to propagate.
    for (MetricDef& m : p_.metrics) m.keep_points = std::max(m.keep_points, 2);
  }

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

  /// The program's index of a benchmark's values for `entry`, adding them on first use; kNone
  /// when there are none.
  std::uint32_t benchmark_index(const std::string& bench, const std::string& entry) {
    auto it = benchmarks_.find(bench);
    if (it == benchmarks_.end() || !it->second.count(entry)) return kNone;
    std::string name = bench + "." + entry;
    if (auto found = p_.benchmark_ids.find(name); found != p_.benchmark_ids.end()) return found->second;
    auto index = static_cast<std::uint32_t>(p_.benchmarks.size());
    p_.benchmark_ids[name] = index;
    p_.benchmarks.push_back(it->second.at(entry));
    return index;
  }
  std::set<std::string> routes_;
  std::set<std::string> visiting_, failed_;
  std::map<const ast::Expr*, std::uint32_t> anonymous_;
  std::map<std::string, int> anonymous_count_;
  std::vector<StaleDef> stale_sources_;
};

}  // namespace

std::vector<Diagnostic> compile(const std::vector<ast::File>& files, Program& program) {
  Compiler compiler(files, program);
  return compiler.run();
}

}  // namespace bandwatch::engine::detail
