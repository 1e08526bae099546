// Pass 4 of the checker: the series each item is evaluated over, as the engine compiles it. An
// expression is evaluated per series of its driver (the metric it reads with the most labels,
// the first on a tie); every other metric is joined to those series by the labels they share,
// so it may carry no label the driver lacks unless a matcher fixes it. Label comparisons and
// `in (...)` read the driver's labels, history functions a metric's own past, and a rule's
// {previous} the driver's previous figure. The engine's compiler (engine/compile*.cpp) makes
// the same choices and relies on this pass having refused what it cannot compile.
#include "checker_internal.hpp"

#include <algorithm>
#include <variant>

#include "rules/driver.hpp"

namespace bandwatch::checking {

namespace {

bool is_history(std::string_view name) {
  for (std::string_view fn : {"pct_change", "change", "prev", "avg_over", "sum_over", "min_over", "max_over"})
    if (name == fn) return true;
  return false;
}

/// The duration a bare literal such as `1 year` spells, if it is one.
const Duration* duration_of(const ast::Expr& expr) {
  if (expr.kind == ast::ExprKind::number && expr.quantity.duration) return &*expr.quantity.duration;
  return nullptr;
}

bool is_calendar(const Duration* duration) {
  return duration && (duration->unit == DurationUnit::months || duration->unit == DurationUnit::years);
}

/// Whether a message names {`name`}, read as the engine splits messages into placeholders.
bool names_placeholder(const std::string& text, std::string_view name) {
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t open = text.find('{', at);
    if (open == std::string::npos) return false;
    std::size_t close = text.find('}', open);
    if (close == std::string::npos) return false;
    if (std::string_view(text).substr(open + 1, close - open - 1) == name) return true;
    at = close + 1;
  }
  return false;
}

Labels sorted(Labels labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

}  // namespace

void Checker::check_series() {
  // Derived metrics first, each after what it reads, so their series are known when read.
  for (const std::string& name : post_order_) {
    const MetricInfo& info = metrics_.at(name);
    if (cyclic_.count(name) || faulty_.count(info.decl))
      derived_series_[name] = std::nullopt;
    else
      derived_series_[name] = derive_series(name, *info.decl->derived, info.file);
  }
  for (std::size_t f = 0; f < files_.size(); ++f)
    for (const ast::Item& item : files_[f].items)
      std::visit([&](const auto& decl) { series_item(decl, f); }, item);
}

bool Checker::series_error(std::size_t file, Location loc, std::string message) {
  error(file, loc, std::move(message));
  return false;
}

bool Checker::is_metric(const std::string& name) const { return metrics_.count(name) > 0; }

/// The labels of a metric's series, sorted; nullopt for a derived metric that failed (its
/// error is reported where it is declared) and for a name that is no metric.
std::optional<Labels> Checker::series_labels(const std::string& name) {
  auto it = metrics_.find(name);
  if (it == metrics_.end()) return std::nullopt;
  const MetricInfo& info = it->second;
  if (!info.decl) return Labels{};  // an indicator's implicit metric
  if (!info.decl->derived) return sorted(info.decl->labels ? info.decl->labels->value : Labels{});
  auto found = derived_series_.find(name);
  return found == derived_series_.end() ? std::nullopt : found->second;
}

/// The metrics an expression reads at its own level; an aggregate counts as the anonymous
/// metric it computes. False when one of them failed.
bool Checker::collect_series(const ast::Expr& expr, const std::string& owner, std::size_t file,
                             std::vector<std::pair<std::string, Labels>>& out) {
  switch (expr.kind) {
    case ast::ExprKind::ref: {
      if (expr.name.find('.') != std::string::npos || !is_metric(expr.name)) return true;
      std::optional<Labels> labels = series_labels(expr.name);
      if (!labels) return false;
      out.emplace_back(expr.name, std::move(*labels));
      return true;
    }
    case ast::ExprKind::aggregate: {
      std::optional<std::string> name = anonymous_series(expr, owner, file);
      if (!name) return false;
      out.emplace_back(*name, anonymous_labels_.at(*name));
      return true;
    }
    default: {
      bool ok = true;
      for (const ast::Expr& arg : expr.args) ok = collect_series(arg, owner, file, out) && ok;
      return ok;
    }
  }
}

std::optional<Series> Checker::start_series(const std::vector<const ast::Expr*>& exprs, const std::string& owner,
                                            const std::string& what, std::size_t file) {
  std::vector<std::pair<std::string, Labels>> read;
  bool ok = true;
  for (const ast::Expr* expr : exprs) ok = collect_series(*expr, owner, file, read) && ok;
  if (!ok) return std::nullopt;
  std::size_t driver = choose_driver(read.size(), [&](std::size_t i) { return read[i].second.size(); });
  if (driver == read.size()) {
    series_error(file, exprs.front()->loc, what + " reads no metric");
    return std::nullopt;
  }
  return Series{owner, read[driver].first, read[driver].second};
}

/// A derived metric's series: an aggregate's are its `by` labels, any other's its driver's.
std::optional<Labels> Checker::derive_series(const std::string& name, const ast::Expr& expr, std::size_t file) {
  bool aggregate = expr.kind == ast::ExprKind::aggregate;
  if (aggregate && expr.args.size() != 1) return std::nullopt;  // pass 3 said so
  const ast::Expr& body = aggregate ? expr.args[0] : expr;
  std::optional<Series> series = start_series({&body}, name, "metric " + quoted(name), file);
  if (!series || !series_expr(*series, body, file)) return std::nullopt;
  if (!aggregate) return series->labels;
  Labels by = sorted(expr.by);
  for (const std::string& label : by)
    if (!has(series->labels, label)) {
      series_error(file, expr.loc, "cannot group by " + quoted(label) + ": " + quoted(series->driver) +
                                       " has no such label" + suggestion(label, series->labels));
      return std::nullopt;
    }
  return by;
}

/// The anonymous metric an aggregate inside an item computes, named as the engine names it.
std::optional<std::string> Checker::anonymous_series(const ast::Expr& expr, const std::string& owner,
                                                     std::size_t file) {
  if (auto it = anonymous_.find(&expr); it != anonymous_.end()) return it->second;
  std::string name = owner + "#" + std::to_string(++anonymous_count_[owner]);
  std::optional<Labels> labels = derive_series(name, expr, file);
  std::optional<std::string> out;
  if (labels) {
    anonymous_labels_[name] = std::move(*labels);
    out = name;
  }
  anonymous_[&expr] = out;
  return out;
}

/// `metric` read from the driver's series: its matchers name its labels, and each label it
/// carries that no `=` matcher fixes must be one of the driver's.
bool Checker::join(const Series& series, const std::string& metric, const Labels& labels,
                   const std::vector<ast::LabelMatcher>& matchers, Location loc, std::size_t file) {
  for (const ast::LabelMatcher& matcher : matchers)
    if (!has(labels, matcher.label))
      return series_error(file, matcher.loc, "metric " + quoted(metric) + " has no label " + quoted(matcher.label) +
                                                 suggestion(matcher.label, labels));
  if (metric == series.driver || labels.empty()) return true;
  for (const std::string& label : labels) {
    bool fixed = std::any_of(matchers.begin(), matchers.end(), [&](const ast::LabelMatcher& matcher) {
      return !matcher.negated && matcher.label == label;
    });
    if (fixed || has(series.labels, label)) continue;
    return series_error(file, loc, "cannot match " + quoted(metric) + " to the series of " + quoted(series.driver) +
                                       ": it has label " + quoted(label) + " that " + quoted(series.driver) +
                                       " lacks (fix it with a matcher, e.g. " + metric + "{" + label + "=\"...\"})");
  }
  return true;
}

/// A bare identifier naming a label of the driver (a metric of the same name wins).
bool Checker::is_driver_label(const Series& series, const ast::Expr& expr) const {
  return expr.kind == ast::ExprKind::ref && expr.matchers.empty() && !is_metric(expr.name) &&
         has(series.labels, expr.name);
}

bool Checker::series_expr(const Series& series, const ast::Expr& expr, std::size_t file) {
  switch (expr.kind) {
    case ast::ExprKind::number:
      if (const Duration* d = duration_of(expr); d && d->unit != DurationUnit::days && d->unit != DurationUnit::weeks)
        return series_error(file, expr.loc, "a duration of " + to_string(*d) +
                                                " can only be compared with an age in days (e.g. `cp_plan_age >= 2 years`)");
      return true;
    case ast::ExprKind::string: return series_error(file, expr.loc, "text can only be compared with a label");
    case ast::ExprKind::date: return series_error(file, expr.loc, "dates cannot be used in rule expressions");
    case ast::ExprKind::match:
      return series_error(file, expr.loc, "match(...) belongs in an extract's label mapping");
    case ast::ExprKind::ref: return series_ref(series, expr, file);
    case ast::ExprKind::aggregate: {
      std::optional<std::string> name = anonymous_series(expr, series.owner, file);
      return name && join(series, *name, anonymous_labels_.at(*name), {}, expr.loc, file);
    }
    case ast::ExprKind::call: return series_call(series, expr, file);
    case ast::ExprKind::unary: return expr.args.size() != 1 || series_expr(series, expr.args[0], file);
    case ast::ExprKind::in_list: {
      if (expr.args.empty()) return true;
      if (!is_driver_label(series, expr.args[0]))
        return series_error(file, expr.args[0].loc, "`in (...)` tests a label of " + quoted(series.driver) + ", and " +
                                                        quoted(expr.args[0].name) + " is not one");
      for (std::size_t i = 1; i < expr.args.size(); ++i)
        if (expr.args[i].kind != ast::ExprKind::string)
          return series_error(file, expr.args[i].loc, "the list after `in` holds strings");
      return true;
    }
    case ast::ExprKind::binary: return series_binary(series, expr, file);
  }
  return true;
}

bool Checker::series_ref(const Series& series, const ast::Expr& expr, std::size_t file) {
  if (expr.name.find('.') != std::string::npos) return true;  // a benchmark value: pass 3
  if (is_metric(expr.name)) {
    std::optional<Labels> labels = series_labels(expr.name);
    return labels && join(series, expr.name, *labels, expr.matchers, expr.loc, file);
  }
  if (is_driver_label(series, expr))
    return series_error(file, expr.loc,
                        "label " + quoted(expr.name) + " is text: compare it with a string (== \"...\" or in (...))");
  std::vector<std::string> candidates = metric_list_;
  candidates.insert(candidates.end(), series.labels.begin(), series.labels.end());
  return series_error(file, expr.loc, quoted(expr.name) + " is neither a metric nor a label of " +
                                          quoted(series.driver) + suggestion(expr.name, candidates));
}

bool Checker::series_call(const Series& series, const ast::Expr& expr, std::size_t file) {
  const std::string& fn = expr.name;
  if (fn == "abs" && expr.args.size() == 1) return series_expr(series, expr.args[0], file);
  if (fn == "age" || fn == "is_blank")
    return series_error(file, expr.loc, fn + "(...) reads an extract's columns: use it in an extract");
  if (!is_history(fn)) return series_error(file, expr.loc, "unknown function " + quoted(fn));
  if (expr.args.empty() || expr.args.size() > 3)
    return series_error(file, expr.loc, fn + " takes a metric and a look-back period, e.g. " + fn + "(x, 1 year)");
  // The first argument is a metric (or an aggregate's anonymous one), read from its history.
  const ast::Expr& target = expr.args[0];
  std::string metric;
  std::optional<Labels> labels;
  if (target.kind == ast::ExprKind::ref && target.name.find('.') == std::string::npos && is_metric(target.name)) {
    metric = target.name;
    labels = series_labels(metric);
    if (!labels) return false;
  } else if (target.kind == ast::ExprKind::aggregate) {
    std::optional<std::string> name = anonymous_series(target, series.owner, file);
    if (!name) return false;
    metric = *name;
    labels = anonymous_labels_.at(metric);
  } else {
    return series_error(file, target.loc, fn + " reads the history of a metric; " +
                                              (target.kind == ast::ExprKind::ref ? quoted(target.name) + " is not one"
                                                                                 : "write a metric here"));
  }
  if (!join(series, metric, *labels,
            target.kind == ast::ExprKind::ref ? target.matchers : std::vector<ast::LabelMatcher>{}, target.loc, file))
    return false;
  // The look-back, and how far from one window back a figure may lie (calendar look-backs only).
  Duration look_back{1, DurationUnit::returns};
  if (expr.args.size() >= 2) {
    const Duration* d = duration_of(expr.args[1]);
    if (!d || d->amount <= 0)
      return series_error(file, expr.args[1].loc,
                          "the look-back of " + fn + " is a period such as `1 year` or `3 returns`");
    look_back = *d;
  } else if (fn != "prev") {
    return series_error(file, expr.loc, fn + " needs a look-back period, e.g. " + fn + "(x, 1 year)");
  }
  if (expr.args.size() == 3) {
    const Duration* t = duration_of(expr.args[2]);
    if (!t || counts_returns(t->unit) || t->amount < 0 || counts_returns(look_back.unit))
      return series_error(file, expr.args[2].loc,
                          "the third argument of " + fn + " is how far from one window back a figure may be, e.g. " +
                              fn + "(x, 1 year, 45 days)");
  }
  return true;
}

bool Checker::series_binary(const Series& series, const ast::Expr& expr, std::size_t file) {
  if (expr.args.size() != 2) return true;
  const ast::Expr& left = expr.args[0];
  const ast::Expr& right = expr.args[1];
  if (is_comparison(expr.op)) {
    // Text: a label of the driver against a string or another label, equal or not.
    bool left_label = is_driver_label(series, left), right_label = is_driver_label(series, right);
    bool left_text = left.kind == ast::ExprKind::string, right_text = right.kind == ast::ExprKind::string;
    if (left_text || right_text || left_label || right_label) {
      bool pair = (left_label && right_label) || (left_label && right_text) || (right_label && left_text);
      if (!pair || (expr.op != ast::Op::equal && expr.op != ast::Op::not_equal))
        return series_error(file, expr.loc, "a label can only be compared with a string or another label, with == or !=");
      return true;
    }
    // An age in days against months or years, measured on the calendar.
    if (is_calendar(duration_of(right))) return series_expr(series, left, file);
    if (is_calendar(duration_of(left))) return series_expr(series, right, file);
  }
  return series_expr(series, left, file) && series_expr(series, right, file);
}

// ---- the items ---------------------------------------------------------------------------

void Checker::series_item(const ast::RuleDecl& decl, std::size_t file) {
  auto declared = alerts_.find(decl.name);
  if (faulty_.count(&decl) || !decl.when || declared == alerts_.end() || declared->second.decl != &decl) return;
  std::optional<Series> series = start_series({&*decl.when}, decl.name, "rule " + quoted(decl.name), file);
  if (!series || !series_expr(*series, *decl.when, file)) return;
  for (const auto* clause : {&decl.unless, &decl.clear_when})
    if (*clause && !series_expr(*series, **clause, file)) return;
  for (const ast::Escalation& escalation : decl.escalations)
    if (escalation.when && !series_expr(*series, *escalation.when, file)) return;
  // {previous} is the driver's previous figure: the metric on the left must be the driver.
  // (Pass 3 has said when the left is no metric at all.)
  const ast::Expr* comparison = ast::first_comparison(*decl.when);
  bool previous = comparison && comparison->args[0].kind == ast::ExprKind::ref &&
                  comparison->args[0].matchers.empty() && comparison->args[0].name == series->driver;
  if (previous) return;
  for (const auto* text : {&decl.message, &decl.resolved_message})
    if (*text && names_placeholder((*text)->value, "previous")) {
      error(file, (*text)->loc,
            "message placeholder {previous}: the metric on the left of the first comparison in `when` must be the "
            "one whose series the alerts follow");
      return;
    }
}

void Checker::series_item(const ast::IndicatorDecl& decl, std::size_t file) {
  auto declared = alerts_.find(decl.name);
  if (faulty_.count(&decl) || declared == alerts_.end() || declared->second.decl != &decl) return;
  std::optional<Labels> labels = series_labels(decl.name);
  if (!labels) return;  // its derived metric failed
  Series series{decl.name, decl.name, *labels};
  if (decl.cohort && is_metric(decl.cohort->value.metric)) {
    std::optional<Labels> cohort = series_labels(decl.cohort->value.metric);
    if (!cohort || !join(series, decl.cohort->value.metric, *cohort, {}, decl.cohort->loc, file)) return;
  }
  for (const ast::BandSet& set : decl.band_sets) {
    if (set.where && !series_expr(series, *set.where, file)) return;
    for (const ast::Band& band : set.bands)
      for (const auto* bound : {&band.lower, &band.upper})
        if (*bound && (*bound)->benchmark.empty())
          if (const auto& d = (*bound)->quantity.duration; d && counts_returns(d->unit)) {
            error(file, band.loc, "a band limit of " + to_string(*d) + " has no length in days");
            return;
          }
  }
}

}  // namespace bandwatch::checking
