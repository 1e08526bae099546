// The checker on `test` blocks: each sample's metric, labels and unit, and each expectation's
// target, labels and outcome.
#include "checker_internal.hpp"

#include <algorithm>
#include <variant>

namespace bandwatch::checking {

void Checker::check_item(const ast::TestDecl& decl, std::size_t file) {
  for (const auto& step : decl.steps) {
    if (const auto* at = std::get_if<ast::AtStep>(&step)) {
      for (const ast::SampleLine& sample : at->samples) {
        MetricInfo* info = metric(sample.metric);
        if (!info) {
          error(file, sample.loc,
                "unknown metric " + quoted(sample.metric) + suggestion(sample.metric, metric_list_));
          continue;
        }
        check_matchers(sample.labels, "metric " + quoted(sample.metric), info->labels,
                       info->labels_open, file);
        if (sample.value.unit != Unit::none && info->unit != Unit::none &&
            !sample.value.duration && sample.value.unit != info->unit)
          error(file, sample.loc,
                "sample value " + sample.value.text + " is in " +
                    std::string(ast::to_string(sample.value.unit)) + ", but metric " +
                    quoted(sample.metric) + " is in " + std::string(ast::to_string(info->unit)));
      }
    } else {
      check_expect(std::get<ast::ExpectStep>(step), file);
    }
  }
}

void Checker::check_expect(const ast::ExpectStep& step, std::size_t file) {
  if (step.kind == ast::ExpectKind::value) {
    // Any series has a value: an indicator's, and a metric's (a derived one especially).
    MetricInfo* info = metric(step.target);
    if (!info) {
      error(file, step.loc,
            "unknown indicator or metric " + quoted(step.target) +
                suggestion(step.target, metric_list_));
      return;
    }
    std::string owner = (info->decl ? "metric " : "indicator ") + quoted(step.target);
    check_matchers(step.labels, owner, info->labels, info->labels_open, file);
    if (step.value.unit != Unit::none && info->unit != Unit::none && !step.value.duration &&
        step.value.unit != info->unit)
      error(file, step.loc,
            "expected value " + step.value.text + " is in " +
                std::string(ast::to_string(step.value.unit)) + ", but " + owner + " is in " +
                std::string(ast::to_string(info->unit)));
    return;
  }
  auto it = alerts_.find(step.target);
  bool wants_indicator = step.kind == ast::ExpectKind::band;
  if (it == alerts_.end()) {
    if (wants_indicator)
      error(file, step.loc,
            "unknown indicator " + quoted(step.target) + suggestion(step.target, indicator_list_));
    else
      error(file, step.loc,
            "unknown rule or indicator " + quoted(step.target) +
                suggestion(step.target, alert_list_));
    return;
  }
  const Declared& target = it->second;
  if (wants_indicator && target.kind != "indicator") {
    error(file, step.loc,
          quoted(step.target) + " is a rule, not an indicator; test its alerts with `expect alert " +
              step.target + " ...`");
    return;
  }
  std::string owner = std::string(target.kind) + " " + quoted(step.target);
  Labels labels;
  bool open = false;
  if (target.kind == "indicator") {
    if (MetricInfo* info = metric(step.target)) {
      labels = info->labels;
      open = info->labels_open;
    }
  } else {
    const auto* rule = static_cast<const ast::RuleDecl*>(target.decl);
    Scope scope = rule_scope(*rule, target.file);
    labels = scope.labels;
    open = scope.labels_open;
  }
  check_matchers(step.labels, owner, labels, open, file);

  static const std::vector<std::string> kBands = {"green", "amber", "red", "unbanded",
                                                  "small_cohort"};
  static const std::vector<std::string> kSeverities = {"amber", "red"};
  if (step.kind == ast::ExpectKind::band &&
      std::find(kBands.begin(), kBands.end(), step.outcome) == kBands.end())
    error(file, step.loc,
          "expected band " + quoted(step.outcome) +
              " is not one of green, amber, red, unbanded, small_cohort" +
              suggestion(step.outcome, kBands));
  if (step.kind == ast::ExpectKind::alert &&
      std::find(kSeverities.begin(), kSeverities.end(), step.outcome) == kSeverities.end())
    error(file, step.loc,
          "an alert's severity is amber or red, not " + quoted(step.outcome) +
              suggestion(step.outcome, kSeverities));
}

}  // namespace bandwatch::checking
