// The checker on metric declarations (units and labels of derived ones, `expect every`, stale
// routes) and on extracts, which sample metrics from columns.
#include "checker_internal.hpp"

#include <algorithm>

namespace bandwatch::checking {

void Checker::check_item(const ast::MetricDecl& decl, std::size_t file) {
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

void Checker::check_expect_every(const std::optional<ast::Located<Duration>>& every, std::size_t file) {
  if (every && every->value.amount <= 0)
    error(file, every->loc, "`expect every` needs a positive duration, such as `1 month`");
}

/// `route` on a metric or an extract: where its stale alerts go, its only alerts.
void Checker::check_stale_routes(const std::vector<ast::Located<std::string>>& routes,
                                 const std::optional<ast::Located<Duration>>& every, const std::string& owner,
                                 std::size_t file) {
  for (const auto& route : routes) check_route(route.value, route.loc, file);
  if (!routes.empty() && !every)
    warning(file, routes.front().loc,
            owner + " has a `route` but no `expect every`: its only alerts are stale alerts, so the route "
                    "hears nothing (add `expect every 1 month`, say)");
}


void Checker::check_item(const ast::ExtractDecl& decl, std::size_t file) {
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
Type Checker::extract_type(const ast::Expr& expr) {
  if (expr.kind == ast::ExprKind::number && !expr.quantity.duration) return number(expr.quantity.unit);
  if (expr.kind == ast::ExprKind::call && expr.name == "age") return number(Unit::days);
  return of_kind(Kind::unknown);
}

}  // namespace bandwatch::checking
