// The checker on the placeholders of a `message` or `resolved message`, and what a rule's
// {target}, {previous} and {benchmark.NAME} read.
#include "checker_internal.hpp"

#include <algorithm>

namespace bandwatch::checking {

/// What a rule's `{target}`, `{previous}` and `{benchmark.NAME}` read: the first comparison of
/// numbers in `when`, or why there is none to read.
MessageContext Checker::rule_message_context(const ast::RuleDecl& decl) {
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
void Checker::check_message(const ast::Located<std::string>& message, const Scope& scope, const MessageContext& context,
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

}  // namespace bandwatch::checking
