// Pass 1 and 2 of the checker: the names a program declares (a clash reported at the later one),
// cycles among derived metrics, and each metric's unit and labels worked out on demand.
#include "checker_internal.hpp"

#include <algorithm>
#include <set>
#include <utility>
#include <variant>

namespace bandwatch::checking {

// ----- pass 1: names -----------------------------------------------------------------------

/// Declares `name` in `space`; on a clash reports the later one and notes the first.
bool Checker::declare(std::map<std::string, Declared>& space, const std::string& name, Declared declared,
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

void Checker::collect() {
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

void Checker::metric_refs(const ast::Expr& expr, std::vector<Edge>& out) {
  if (expr.kind == ast::ExprKind::ref) {
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const Edge& edge) { return edge.target == expr.name; });
    if (!seen) out.push_back({expr.name, expr.loc});
  }
  for (const ast::Expr& arg : expr.args) metric_refs(arg, out);
}

bool Checker::is_derived(const std::string& name) const {
  auto it = metrics_.find(name);
  return it != metrics_.end() && it->second.decl && it->second.decl->derived;
}

void Checker::find_cycles() {
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
  post_order_ = std::move(post_order);
}

// ----- metrics, resolved on demand ----------------------------------------------------------

/// The metric called `name` with its unit and labels worked out; null when there is none.
MetricInfo* Checker::metric(const std::string& name) {
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

Scope Checker::metric_scope(const MetricInfo& info) {
  Scope scope;
  scope.context = Context::metric;
  scope.owner = "metric " + quoted(info.name);
  scope.file = info.file;
  scope_labels(*info.decl->derived, scope);
  return scope;
}

/// Fills the labels a scope's bare names may use: those of the series the expression yields.
void Checker::scope_labels(const ast::Expr& expr, Scope& scope) {
  Scope loose = scope;
  loose.permissive = true;
  ++quiet_;
  Info info = walk(expr, loose);
  --quiet_;
  add_all(scope.labels, info.labels);
  scope.labels_open = scope.labels_open || info.labels_open;
}

Type Checker::metric_type(const MetricInfo& info) const {
  if (info.labels_open && info.unit == Unit::none) return of_kind(Kind::unknown);
  Type type = number(info.unit);
  type.ratio = info.ratio;
  return type;
}

}  // namespace bandwatch::checking
