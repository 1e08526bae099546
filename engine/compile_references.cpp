// The metrics an expression reads: its driver (the one with the most labels, whose series it is
// evaluated per) and each other metric joined to the driver's series by their shared labels.
#include <algorithm>

#include "compiler.hpp"
#include "rules/driver.hpp"

namespace bandwatch::engine::detail::compiling {

/// Collects the metrics an expression reads at its own level (aggregates count as the
/// anonymous metric they compute).
void Compiler::collect_metrics(const ast::File& file, const ast::Expr& expr, const std::string& owner,
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

/// Chooses the driver metric of a program (rules/driver.hpp, as the checker does). Every other
/// metric's labels must be a subset, so each driver series finds its match.
bool Compiler::start_program(const ast::File& file, ExprProgram& program, std::vector<const ast::Expr*> exprs,
                             const std::string& owner, const std::string& what) {
  std::vector<std::uint32_t> metrics;
  bool ok = true;
  for (const ast::Expr* e : exprs)
    if (e) collect_metrics(file, *e, owner, metrics, ok);
  if (!ok) return false;
  std::size_t driver =
      choose_driver(metrics.size(), [&](std::size_t i) { return p_.metrics[metrics[i]].labels.size(); });
  if (driver < metrics.size()) program.driver = metrics[driver];
  if (program.driver == kNone) {
    unchecked(file, exprs.front()->loc, what + " reads no metric");
    return false;
  }
  owner_ = owner;
  return true;
}

std::uint32_t Compiler::add_node(ExprProgram& program, ExprNode node) {
  program.nodes.push_back(std::move(node));
  return static_cast<std::uint32_t>(program.nodes.size() - 1);
}

bool Compiler::driver_has_label(const ExprProgram& program, std::uint32_t label) const {
  const MetricDef& d = p_.metrics[program.driver];
  return std::find(d.labels.begin(), d.labels.end(), label) != d.labels.end();
}

/// A reference to metric `metric` from the driver's series.
std::uint32_t Compiler::add_ref(const ast::File& file, ExprProgram& program, std::uint32_t metric,
                                const std::vector<ast::LabelMatcher>& matchers, ast::Location loc) {
  MetricRef ref;
  ref.metric = metric;
  const MetricDef& m = p_.metrics[metric];
  for (const ast::LabelMatcher& matcher : matchers) {
    std::uint32_t name = strings_.intern(matcher.label);
    if (std::find(m.labels.begin(), m.labels.end(), name) == m.labels.end()) {
      unchecked(file, matcher.loc, "metric " + quoted(m.name) + " has no label " + quoted(matcher.label));
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
        unchecked(file, loc, "cannot match " + quoted(m.name) + " to the series of " +
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
std::uint32_t Compiler::label_of(const ExprProgram& program, const ast::Expr& expr) {
  if (expr.kind != ast::ExprKind::ref || !expr.matchers.empty()) return kNone;
  if (metric_named(expr.name) != kNone) return kNone;
  std::uint32_t id = strings_.find(expr.name);
  if (id == kNone || !driver_has_label(program, id)) return kNone;
  return id;
}

// An empty label value is an absent label (as in Prometheus): series carry no label for it,
// so `worker=""` must compare equal to "no worker label", which reads as kNone.
std::uint32_t Compiler::label_text(const std::string& value) { return value.empty() ? kNone : strings_.intern(value); }

}  // namespace bandwatch::engine::detail::compiling
