// A report Source from an engine replay (see engine_source.hpp).
#include "report/engine_source.hpp"

#include <algorithm>
#include <map>

#include "report/bands.hpp"

namespace bandwatch::report {

Labels to_labels(const engine::Labels& labels) {
  Labels out;
  out.reserve(labels.size());
  for (const engine::Label& l : labels) out.emplace_back(l.name, l.value);
  return out;
}

Band to_band(engine::Band band) {
  switch (band) {
    case engine::Band::green: return Band::green;
    case engine::Band::amber: return Band::amber;
    case engine::Band::red: return Band::red;
    case engine::Band::unbanded: return Band::unbanded;
    case engine::Band::small_cohort: return Band::small_cohort;
  }
  return Band::unbanded;
}

Trend to_trend(engine::Trend trend) {
  switch (trend) {
    case engine::Trend::none: return Trend::none;
    case engine::Trend::improving: return Trend::improving;
    case engine::Trend::declining: return Trend::declining;
    case engine::Trend::unchanged: return Trend::unchanged;
  }
  return Trend::none;
}

ProgramFacts program_facts(const std::vector<ast::File>& files) {
  ProgramFacts facts;
  for (const ast::File& file : files) {
    for (const ast::Item& item : file.items) {
      if (const auto* route = std::get_if<ast::RouteDecl>(&item)) {
        RouteInfo info{route->name, route->title ? route->title->value : route->name, std::nullopt};
        if (route->cadence) info.cadence = route->cadence->value;
        facts.routes.push_back(std::move(info));
      } else if (const auto* indicator = std::get_if<ast::IndicatorDecl>(&item)) {
        ProgramFacts::Indicator& facts_of = facts.indicators[indicator->name];
        if (indicator->last_year) {
          const ast::Quantity& q = indicator->last_year->value;
          ast::Unit unit = indicator->unit ? indicator->unit->value : q.unit;
          facts_of.last_year = engine::format_value(q.value, unit);
        }
        if (indicator->note) facts_of.note = indicator->note->value;
        if (indicator->round) facts_of.round = static_cast<int>(indicator->round->value);
        if (indicator->title) facts.texts.titles[indicator->name] = indicator->title->value;
        if (indicator->resolved_message) facts.texts.resolved_messages.insert(indicator->name);
      } else if (const auto* benchmark = std::get_if<ast::BenchmarkDecl>(&item)) {
        BenchmarkInfo info;
        info.name = benchmark->name;
        info.title = benchmark->title ? benchmark->title->value : benchmark->name;
        for (const ast::BenchmarkEntry& entry : benchmark->entries)
          info.values.push_back({entry.indicator, entry.quantity.value, "", std::nullopt});
        facts.benchmarks.push_back(std::move(info));
      } else if (const auto* rule = std::get_if<ast::RuleDecl>(&item)) {
        if (rule->title) facts.texts.titles[rule->name] = rule->title->value;
        if (rule->resolved_message) facts.texts.resolved_messages.insert(rule->name);
      }
    }
  }
  return facts;
}

std::vector<BenchmarkInfo> benchmarks_shown(const ProgramFacts& facts, const engine::Engine& engine) {
  std::map<std::string, ast::Unit, std::less<>> indicators;
  for (const engine::IndicatorInfo& info : engine.indicators()) indicators[info.name] = info.unit;
  std::vector<BenchmarkInfo> out;
  for (const BenchmarkInfo& benchmark : facts.benchmarks) {
    BenchmarkInfo shown{benchmark.name, benchmark.title, {}};
    for (const BenchmarkValue& v : benchmark.values) {
      auto unit = indicators.find(v.indicator);
      if (unit == indicators.end()) continue;
      // As published, in the unit's usual places: a comparator is not judged, so the
      // indicator's `round` does not apply to it.
      BenchmarkValue value = v;
      value.text = engine::format_value(v.value, unit->second);
      shown.values.push_back(std::move(value));
    }
    if (!shown.values.empty()) out.push_back(std::move(shown));
  }
  return out;
}

std::string previous_value_text(const engine::Engine& engine, std::string_view indicator,
                                const std::vector<Point>& history, Date date) {
  auto at = std::find_if(history.rbegin(), history.rend(), [&](const Point& p) { return p.date < date; });
  if (at == history.rend()) return {};
  return engine.format_indicator_value(indicator, engine.classified_value(indicator, at->value));
}

SourceRecorder::SourceRecorder(ProgramFacts facts) : facts_(std::move(facts)) {}

void SourceRecorder::record(const engine::Engine& engine, const engine::Evaluation& evaluation) {
  if (evaluations_.empty() || evaluations_.back() != evaluation.as_of) evaluations_.push_back(evaluation.as_of);
  for (const engine::Event& event : evaluation.events) {
    if (event.alert_id == 0) continue;  // unbanded values are not alerts: the RAG table shows them
    ChangeKind kind;
    switch (event.kind) {
      case engine::EventKind::fired:
      case engine::EventKind::stale: kind = ChangeKind::fired; break;
      case engine::EventKind::escalated: kind = ChangeKind::escalated; break;
      case engine::EventKind::de_escalated: kind = ChangeKind::de_escalated; break;
      case engine::EventKind::resolved: kind = ChangeKind::resolved; break;
      default: continue;  // pending: the forum hears of it when it fires
    }
    auto [it, added] = alerts_.try_emplace(event.alert_id);
    AlertHistory& alert = it->second;
    if (added) {
      alert.id = event.alert_id;
      alert.rule = event.rule;
      alert.title = facts_.texts.title_of(event.rule);
      alert.labels = to_labels(event.labels);
      alert.since = event.as_of;  // when the forum is told: firing, not pending
    }
    alert.severity = event.severity;
    alert.open = kind != ChangeKind::resolved;
    alert.value_text = event.formatted_value;
    alert.message = event.message;
    if (kind != ChangeKind::resolved) alert.raised_message = event.message;
    alert.resolved_message = kind == ChangeKind::resolved && facts_.texts.has_resolved_message(event.rule);
    alert.routes = event.routes;
    alert.changes.push_back({kind, event.as_of, event.severity});
  }
  engine.for_each_indicator_value([&](const engine::IndicatorValueView& v) {
    if (!v.updated) return;
    SeriesKey key{std::string(v.indicator), {}};
    for (const engine::LabelView& l : v.labels) key.labels.emplace_back(std::string(l.name), std::string(l.value));
    std::vector<Point>& points = history_[key];
    // The raw value: the tables print 96.6%, and the sparkline's shading allows for `round`.
    if (!points.empty() && points.back().date == v.date) points.back().value = v.raw_value;
    else points.push_back({v.date, v.raw_value});
  });
}

Source SourceRecorder::finish(const engine::Engine& engine) const {
  Source source;
  source.as_of = engine.last_as_of().value_or(evaluations_.empty() ? Date{} : evaluations_.back());
  source.evaluations = evaluations_;
  source.routes = facts_.routes;
  for (const engine::IndicatorInfo& info : engine.indicators()) {
    IndicatorInfo out;
    out.name = info.name;
    out.title = info.title;
    out.group = info.group;
    out.unit = info.unit;
    out.better = info.better;
    out.frame = info.frame;
    if (auto it = facts_.indicators.find(info.name); it != facts_.indicators.end()) {
      out.last_year = it->second.last_year;
      out.note = it->second.note;
    }
    source.indicators.push_back(std::move(out));
  }
  engine.for_each_indicator_value([&](const engine::IndicatorValueView& v) {
    SeriesInfo series;
    series.indicator = std::string(v.indicator);
    for (const engine::LabelView& l : v.labels) series.labels.emplace_back(std::string(l.name), std::string(l.value));
    if (auto it = history_.find(SeriesKey{series.indicator, series.labels}); it != history_.end())
      series.history = it->second;
    // One number everywhere: the value as classified, shown as alerts and `eval` show it.
    series.value = v.value;
    series.value_text = engine.format_indicator_value(v.indicator, v.value);
    series.previous_value_text = previous_value_text(engine, v.indicator, series.history, v.date);
    series.band = to_band(v.band);
    series.trend = to_trend(v.trend);
    series.date = v.date;
    series.target = std::string(v.target);
    std::optional<int> round;
    if (auto it = facts_.indicators.find(v.indicator); it != facts_.indicators.end()) round = it->second.round;
    series.shades = shades_from_target(series.target, round);
    source.series.push_back(std::move(series));
  });
  source.benchmarks = benchmarks_shown(facts_, engine);
  for (const auto& [id, alert] : alerts_) source.alerts.push_back(alert);
  // The engine's view of open alerts is the authority on what is open now.
  for (const engine::Alert& open : engine.open_alerts()) {
    auto found = std::find_if(source.alerts.begin(), source.alerts.end(),
                              [&](const AlertHistory& a) { return a.id == open.id; });
    if (found == source.alerts.end()) {
      AlertHistory alert;
      alert.id = open.id;
      alert.rule = open.rule;
      alert.title = facts_.texts.title_of(open.rule);
      alert.labels = to_labels(open.labels);
      alert.since = open.fired_on;
      source.alerts.push_back(std::move(alert));
      found = std::prev(source.alerts.end());
    }
    found->open = true;
    found->severity = open.severity;
    found->value_text = open.formatted_value;
    found->message = open.message;
    found->routes = open.routes;
  }
  return source;
}

}  // namespace bandwatch::report
