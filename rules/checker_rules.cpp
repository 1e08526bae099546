// The checker on rules (conditions, `for`, escalations, routes, messages) and on routes.
#include "checker_internal.hpp"

#include "rules/route_members.hpp"

namespace bandwatch::checking {

void Checker::check_item(const ast::RouteDecl& decl, std::size_t file) {
  if (decl.cadence && decl.cadence->value.amount <= 0)
    error(file, decl.cadence->loc, "a route's cadence must be a positive duration, such as `14 days`");
  for (const ast::Located<std::string>& address : decl.emails)
    if (auto problem = mail_address_problem(address.value)) error(file, address.loc, *problem);
  for (const ast::Located<std::string>& url : decl.teams)
    if (auto problem = webhook_url_problem(url.value)) error(file, url.loc, *problem);
}

void Checker::check_route(const std::string& name, Location loc, std::size_t file) {
  if (routes_.count(name)) return;
  std::string hint = suggestion(name, route_list_);
  if (hint.empty()) hint = ": declare it (`route " + name + " { title \"...\" }`)";
  error(file, loc, "unknown route " + quoted(name) + hint);
}

/// The labels of a rule's alerts: those of the series its `when` yields.
Scope Checker::rule_scope(const ast::RuleDecl& decl, std::size_t file) {
  Scope scope;
  scope.context = Context::rule;
  scope.owner = "rule " + quoted(decl.name);
  scope.file = file;
  if (decl.when) scope_labels(*decl.when, scope);
  return scope;
}

void Checker::check_item(const ast::RuleDecl& decl, std::size_t file) {
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

}  // namespace bandwatch::checking
