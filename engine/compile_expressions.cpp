// Expressions flattened into a program's node array: literals, metric and benchmark references,
// label comparisons, history windows, calendar ages, operators, and the unit of each value.
#include <algorithm>
#include <cmath>
#include <map>

#include "compiler.hpp"

namespace bandwatch::engine::detail::compiling {

namespace {

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

}  // namespace

Compiled Compiler::compile_label_comparison(const ast::File& file, ExprProgram& program, const ast::Expr& expr) {
  const ast::Expr& l = expr.args[0];
  const ast::Expr& r = expr.args[1];
  std::uint32_t ll = label_of(program, l), rl = label_of(program, r);
  ExprNode node;
  node.negated = expr.op == ast::Op::not_equal;
  if (expr.op != ast::Op::equal && expr.op != ast::Op::not_equal) {
    unchecked(file, expr.loc, "labels compare only with == or !=");  // text has no order here
    return {};
  }
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
    unchecked(file, expr.loc, "a label can only be compared with a string or another label, with == or !=");
    return {};
  }
  return {add_node(program, std::move(node)), ast::Unit::none, true};
}

std::optional<Duration> Compiler::duration_of(const ast::Expr& expr) {
  if (expr.kind == ast::ExprKind::number && expr.quantity.duration) return expr.quantity.duration;
  return std::nullopt;
}

/// Compiles `expr` into `program`. `value_root` (when given) receives the left side of the
/// first numeric comparison: the rule's `{value}`.
Compiled Compiler::compile_expr(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
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
        unchecked(file, expr.loc, "a duration of " + to_string(d) +
                                      " can only be compared with an age in days (e.g. `cp_plan_age >= 2 years`)");
        return {};
      }
      ExprNode node;
      node.number = expr.quantity.value;
      return {add_node(program, std::move(node)), expr.quantity.unit, false};
    }
    case ast::ExprKind::string:
      unchecked(file, expr.loc, "text can only be compared with a label");
      return {};
    case ast::ExprKind::date:
      unchecked(file, expr.loc, "dates cannot be used in rule expressions");
      return {};
    case ast::ExprKind::match:
      unchecked(file, expr.loc, "match(...) belongs in an extract's label mapping");
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
        unchecked(file, expr.args[0].loc, "`in (...)` tests a label of " +
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
          unchecked(file, expr.args[i].loc, "the list after `in` holds strings");
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

Compiled Compiler::compile_ref(const ast::File& file, ExprProgram& program, const ast::Expr& expr) {
  if (auto dot = expr.name.find('.'); dot != std::string::npos) {
    std::string bench = expr.name.substr(0, dot), entry = expr.name.substr(dot + 1);
    std::uint32_t index = benchmark_index(bench, entry);
    if (index == kNone) {
      unchecked(file, expr.loc, "no benchmark value " + quoted(expr.name));
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
    unchecked(file, expr.loc, "label " + quoted(expr.name) + " is text: compare it with a string (== \"...\" or in (...))");
    return {};
  }
  if (!metric_decls_.count(expr.name))
    unchecked(file, expr.loc, quoted(expr.name) + " is neither a metric nor a label of " +
                                  quoted(p_.metrics[program.driver].name));
  return {};
}

Compiled Compiler::compile_call(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
                                Compiled* value_root) {
  static const std::map<std::string, HistoryFn> kHistory = {
      {"pct_change", HistoryFn::pct_change}, {"change", HistoryFn::change},
      {"prev", HistoryFn::prev},             {"avg_over", HistoryFn::avg_over},
      {"sum_over", HistoryFn::sum_over},     {"min_over", HistoryFn::min_over},
      {"max_over", HistoryFn::max_over}};
  if (auto it = kHistory.find(expr.name); it != kHistory.end()) {
    if (expr.args.empty() || expr.args.size() > 3) {
      unchecked(file, expr.loc, expr.name + " takes a metric and a look-back period, e.g. " + expr.name + "(x, 1 year)");
      return {};
    }
    const ast::Expr& target = expr.args[0];
    std::uint32_t metric = kNone;
    if (target.kind == ast::ExprKind::ref) metric = metric_named(target.name);
    else if (target.kind == ast::ExprKind::aggregate) metric = anonymous_metric(file, target, owner_);
    if (metric == kNone) {
      unchecked(file, target.loc, expr.name + " reads the history of a metric; " +
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
        unchecked(file, expr.args[1].loc, "the look-back of " + expr.name + " is a period such as `1 year` or `3 returns`");
        return {};
      }
      node.duration = *d;
    } else if (node.fn == HistoryFn::prev) {
      node.duration = Duration{1, DurationUnit::returns};
    } else {
      unchecked(file, expr.loc, expr.name + " needs a look-back period, e.g. " + expr.name + "(x, 1 year)");
      return {};
    }
    if (!counts_returns(node.duration.unit)) node.tolerance_days = default_tolerance_days(node.duration);
    if (expr.args.size() == 3) {
      std::optional<Duration> t = duration_of(expr.args[2]);
      if (!t || counts_returns(t->unit) || t->amount < 0 || counts_returns(node.duration.unit)) {
        unchecked(file, expr.args[2].loc, "the third argument of " + expr.name +
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
    unchecked(file, expr.loc, expr.name + "(...) reads an extract's columns: use it in an extract");
    return {};
  }
  unchecked(file, expr.loc, "unknown function " + quoted(expr.name));
  return {};
}

Compiled Compiler::compile_binary(const ast::File& file, ExprProgram& program, const ast::Expr& expr,
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

}  // namespace bandwatch::engine::detail::compiling
