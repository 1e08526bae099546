// Compiles checked ASTs into the engine's executable form (program.hpp): the program assembled.
// Declarations are gathered, metrics declared, derived metrics, indicators and rules compiled
// (compiler.hpp names the file of each), then staleness, the evaluation order and history
// retention fixed, and the metrics samples may be sent for listed.
#include <algorithm>
#include <type_traits>
#include <variant>

#include "compiler.hpp"

namespace bandwatch::engine::detail::compiling {

std::vector<Diagnostic> Compiler::run() {
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

// ---- diagnostics ----
void Compiler::unchecked(const ast::File& file, ast::Location loc, std::string message) {
  diags_.push_back(Diagnostic{file.path, loc, Severity::error,
                              "internal error: " + message + " (the checker should have refused this)"});
}

// ---- gathering declarations ----
void Compiler::gather() {
  for (const ast::File& file : files_) {
    for (const ast::Item& item : file.items) {
      std::visit(
          [&](const auto& decl) {
            using T = std::decay_t<decltype(decl)>;
            if constexpr (std::is_same_v<T, ast::MetricDecl>) {
              if (metric_decls_.count(decl.name))
                unchecked(file, decl.loc, "metric " + quoted(decl.name) + " is declared twice");
              else
                metric_decls_[decl.name] = {&file, &decl};
              metric_order_.push_back(decl.name);
            } else if constexpr (std::is_same_v<T, ast::IndicatorDecl>) {
              if (!alert_names_.insert(decl.name).second)
                unchecked(file, decl.loc, "an indicator or rule named " + quoted(decl.name) + " already exists");
              else
                indicator_decls_.push_back({&file, &decl});
              source_order_.push_back({ItemKind::indicator, decl.name});
            } else if constexpr (std::is_same_v<T, ast::RuleDecl>) {
              if (!alert_names_.insert(decl.name).second)
                unchecked(file, decl.loc, "an indicator or rule named " + quoted(decl.name) + " already exists");
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

std::uint32_t Compiler::new_metric(const std::string& name, ast::Unit unit, std::vector<std::string> labels) {
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

void Compiler::declare_metrics() {
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

// ---- stale, order, retention ----
std::vector<std::string> Compiler::route_names(const std::vector<ast::Located<std::string>>& routes) {
  std::vector<std::string> out;
  for (const auto& route : routes)
    if (std::find(out.begin(), out.end(), route.value) == out.end()) out.push_back(route.value);
  return out;
}

void Compiler::compile_stale() {
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

void Compiler::order_items() {
  for (const auto& [kind, name] : source_order_) {
    if (kind == ItemKind::indicator) {
      if (auto it = p_.indicator_ids.find(name); it != p_.indicator_ids.end())
        p_.order.push_back({kind, it->second});
    } else if (auto it = p_.rule_ids.find(name); it != p_.rule_ids.end()) {
      p_.order.push_back({kind, it->second});
    }
  }
}

void Compiler::finish_metrics() {
  // Retention flows back through derived metrics: a window over a derived metric needs no more
  // of its inputs (the derived series keeps its own history), so nothing to propagate.
  for (MetricDef& m : p_.metrics) m.keep_points = std::max(m.keep_points, 2);
}

/// The program's index of a benchmark's values for `entry`, adding them on first use; kNone
/// when there are none.
std::uint32_t Compiler::benchmark_index(const std::string& bench, const std::string& entry) {
  auto it = benchmarks_.find(bench);
  if (it == benchmarks_.end() || !it->second.count(entry)) return kNone;
  std::string name = bench + "." + entry;
  if (auto found = p_.benchmark_ids.find(name); found != p_.benchmark_ids.end()) return found->second;
  auto index = static_cast<std::uint32_t>(p_.benchmarks.size());
  p_.benchmark_ids[name] = index;
  p_.benchmarks.push_back(it->second.at(entry));
  return index;
}

}  // namespace bandwatch::engine::detail::compiling

namespace bandwatch::engine::detail {

std::vector<Diagnostic> compile(const std::vector<ast::File>& files, Program& program) {
  compiling::Compiler compiler(files, program);
  return compiler.run();
}

}  // namespace bandwatch::engine::detail
