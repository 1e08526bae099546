// Rules compiled: `when`, `unless` and `clear when`, the hold (`for`), escalations, routes, and
// what their messages' {target}, {previous} and {benchmark.NAME} read.
#include <algorithm>

#include "compiler.hpp"

namespace bandwatch::engine::detail::compiling {

void Compiler::compile_rule(const ast::File& file, const ast::RuleDecl& decl) {
  RuleDef rule;
  rule.name = decl.name;
  rule.title = decl.title ? decl.title->value : decl.name;
  if (!decl.when) {
    unchecked(file, decl.loc, "rule " + quoted(decl.name) + " has no `when`");
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
      unchecked(file, esc.to_route_loc, "unknown route " + quoted(*esc.to_route));
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
      unchecked(file, route.loc, "unknown route " + quoted(route.value));
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
      unchecked(file, (*text)->loc, source.problem);
      return;
    }
    (text == &decl.message ? rule.message : rule.resolved_message) = std::move(parts);
  }
  p_.rule_ids[rule.name] = static_cast<std::uint32_t>(p_.rules.size());
  p_.rules.push_back(std::move(rule));
}

}  // namespace bandwatch::engine::detail::compiling
