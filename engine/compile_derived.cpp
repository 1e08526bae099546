// Derived metrics compiled on first use, so each is compiled after what it reads (a cycle is
// refused); an aggregate written inside a rule or metric becomes an anonymous derived metric.
#include <algorithm>

#include "compiler.hpp"

namespace bandwatch::engine::detail::compiling {

/// Compiles a declared derived metric (and what it reads) if not yet done; returns its id or
/// kNone when it is in a cycle or failed.
std::uint32_t Compiler::ensure_derived(const std::string& name) {
  if (auto it = p_.metric_ids.find(name); it != p_.metric_ids.end()) return it->second;
  auto [file, decl] = metric_decls_.at(name);
  if (visiting_.count(name)) {
    unchecked(*file, decl->loc, "derived metric " + quoted(name) + " depends on itself");
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

std::uint32_t Compiler::compile_derived(const ast::File& file, const std::string& name, const ast::Expr& expr,
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
      unchecked(file, expr.loc, fn + " takes one metric, as in `" + fn + "(open_case) by (team)`");
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
        unchecked(file, expr.loc, "cannot group by " + quoted(label) + ": " + quoted(driver.name) +
                                      " has no such label");
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
      unchecked(file, expr.loc, "a derived metric is a value, not a condition");
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

/// Finds the metric a name refers to, compiling a derived one on first use.
std::uint32_t Compiler::metric_named(const std::string& name) {
  if (auto it = p_.metric_ids.find(name); it != p_.metric_ids.end()) return it->second;
  if (metric_decls_.count(name) && metric_decls_.at(name).second->derived) return ensure_derived(name);
  return kNone;
}

/// The metric an aggregate written inside another expression computes (anonymous derived).
std::uint32_t Compiler::anonymous_metric(const ast::File& file, const ast::Expr& expr, const std::string& owner) {
  if (auto it = anonymous_.find(&expr); it != anonymous_.end()) return it->second;
  std::string name = owner + "#" + std::to_string(++anonymous_count_[owner]);
  std::uint32_t id = compile_derived(file, name, expr, ast::Unit::none, true);
  anonymous_[&expr] = id;
  return id;
}

}  // namespace bandwatch::engine::detail::compiling
