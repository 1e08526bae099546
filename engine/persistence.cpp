// The state as plain records and back: what a checkpoint stores, and how a reload carries the
// state over to a new program (export from the old, import into the new).
#include <algorithm>

#include "alerts.hpp"
#include "evaluation.hpp"

namespace bandwatch::engine::detail {
namespace {

/// Interns `labels` as a label set; `ok` turns false when `metric` does not declare one of them.
std::uint32_t labelset_from(SeriesStore& store, const Labels& labels, const MetricDef* metric, bool& ok) {
  std::vector<Label> sorted = labels;
  std::sort(sorted.begin(), sorted.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  std::vector<LabelPair> pairs;
  for (const Label& l : sorted) {
    if (l.value.empty()) continue;
    std::uint32_t name = store.strings.intern(l.name);
    if (metric && std::find(metric->labels.begin(), metric->labels.end(), name) == metric->labels.end()) ok = false;
    pairs.push_back({name, store.strings.intern(l.value)});
  }
  return store.label_sets.intern(pairs);
}

}  // namespace

EngineState export_state(const Program& program, const State& state) {
  const SeriesStore& store = state.store;
  EngineState out;
  out.next_alert_id = state.alerts.next_id;
  out.evaluation_index = state.evaluation_index;
  out.first_as_of = state.first_as_of;
  out.last_as_of = state.last_as_of;
  for (const Series& s : store.series) {
    if (s.history.empty()) continue;
    SeriesRecord r;
    r.metric = program.metrics[s.metric].name;
    r.labels = store.labels_of(s.labels);
    for (const Point& p : s.history) r.history.emplace_back(p.date, p.value);
    out.series.push_back(std::move(r));
  }
  AlertPresenter presenter(program, store);
  std::vector<const LiveAlert*> live;
  state.alerts.slots.for_each([&](const LiveAlert& a) {
    if (a.in_use) live.push_back(&a);
  });
  std::sort(live.begin(), live.end(), [](const LiveAlert* x, const LiveAlert* y) { return x->id < y->id; });
  for (const LiveAlert* a : live) {
    AlertRecord r;
    r.alert = presenter.to_alert(*a);
    r.streak = a->streak;
    r.returns_since_fired = a->returns_since_fired;
    r.escalations_done = a->escalations_done;
    r.decided = a->decided;
    r.fired_data = a->fired_data;
    out.alerts.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < program.indicators.size(); ++i) {
    const IndicatorDef& ind = program.indicators[i];
    const MetricState& m = store.metrics[ind.metric];
    const std::vector<IndicatorSlot>& slots = state.indicator_slots[i];
    for (std::size_t j = 0; j < slots.size() && j < m.series.size(); ++j) {
      const IndicatorSlot& slot = slots[j];
      if (!slot.banded) continue;
      BandRecord b;
      b.indicator = ind.name;
      b.labels = store.labels_of(store.series[m.series[j]].labels);
      b.band = slot.band;
      b.has_value = slot.has;
      b.value = slot.value;
      b.raw_value = slot.raw;
      b.trend = slot.trend;
      b.date = slot.date;
      if (slot.band_set != kNone) b.band_set = slot.band_set;
      out.bands.push_back(std::move(b));
    }
  }
  return out;
}

std::vector<Diagnostic> import_state(const Program& program, const EngineState& records, State& state) {
  std::vector<Diagnostic> notes;
  auto warn = [&](std::string message) {
    notes.push_back(Diagnostic{"<state>", {}, Severity::warning, std::move(message)});
  };
  state = State(program);
  SeriesStore& store = state.store;
  state.alerts.next_id = std::max<AlertId>(1, records.next_alert_id);
  state.evaluation_index = records.evaluation_index;
  state.first_as_of = records.first_as_of;
  state.last_as_of = records.last_as_of;
  for (const SeriesRecord& r : records.series) {
    auto it = program.metric_ids.find(r.metric);
    if (it == program.metric_ids.end()) {
      warn("series of unknown metric '" + r.metric + "' dropped");
      continue;
    }
    bool ok = true;
    std::uint32_t ls = labelset_from(store, r.labels, &program.metrics[it->second], ok);
    if (!ok) {
      warn("series of '" + r.metric + "' with labels the metric no longer has dropped");
      continue;
    }
    std::uint32_t sid = store.series_for(it->second, ls);
    MetricState& m = store.metrics[it->second];
    bool percent = program.metrics[it->second].unit == ast::Unit::percent;
    for (const auto& [date, value] : r.history) {
      store.put_point(sid, date, value);
      store.add_return_date(it->second, date);
      if (percent && value > 0 && value < 1) ++m.fractions;
      if (percent && value > 1) ++m.over_one;
    }
  }
  // The returns the last evaluation read stay decided: nothing dated on or before them is taken.
  for (std::uint32_t i = 0; i < store.metrics.size(); ++i) {
    MetricState& m = store.metrics[i];
    if (!records.last_as_of) break;
    auto it = std::upper_bound(m.return_dates.begin(), m.return_dates.end(), *records.last_as_of);
    if (it == m.return_dates.begin()) continue;
    m.has_snapshot = true;
    m.snapshot = *(it - 1);
    for (std::uint32_t sid : store.sorted_series(i))
      if (store.series[sid].at(m.snapshot)) m.current.push_back(sid);
  }
  for (const BandRecord& b : records.bands) {
    auto it = program.indicator_ids.find(b.indicator);
    if (it == program.indicator_ids.end()) continue;
    const IndicatorDef& ind = program.indicators[it->second];
    bool ok = true;
    std::uint32_t ls = labelset_from(store, b.labels, &program.metrics[ind.metric], ok);
    if (!ok) continue;
    std::uint32_t sid = store.series_for(ind.metric, ls);
    std::vector<IndicatorSlot>& slots = state.indicator_slots[it->second];
    std::uint32_t idx = store.series[sid].index_in_metric;
    if (slots.size() <= idx) slots.resize(idx + 1);
    IndicatorSlot& slot = slots[idx];
    slot.banded = true;
    slot.band = b.band;
    slot.has = b.has_value;
    slot.value = b.value;
    slot.raw = b.raw_value;
    slot.trend = b.trend;
    slot.date = b.date;
    slot.band_set = b.band_set && *b.band_set < ind.band_sets.size() ? static_cast<std::uint32_t>(*b.band_set) : kNone;
  }
  AlertPresenter presenter(program, store);
  for (const AlertRecord& r : records.alerts) {
    const Alert& in = r.alert;
    std::uint32_t owner = kNone, metric = kNone;
    if (in.source == AlertSource::rule) {
      if (auto it = program.rule_ids.find(in.rule); it != program.rule_ids.end()) {
        owner = it->second;
        metric = program.rules[owner].program.driver;
      }
    } else if (in.source == AlertSource::indicator) {
      if (auto it = program.indicator_ids.find(in.rule); it != program.indicator_ids.end()) {
        owner = it->second;
        metric = program.indicators[owner].metric;
      }
    } else if (auto it = program.stale_ids.find(in.rule); it != program.stale_ids.end()) {
      owner = it->second;
    }
    if (owner == kNone) {
      warn("alert " + std::to_string(in.id) + " of '" + in.rule + "', which no longer exists, dropped");
      continue;
    }
    std::uint32_t sid = kNone;
    if (metric != kNone) {
      bool ok = true;
      std::uint32_t ls = labelset_from(store, in.labels, &program.metrics[metric], ok);
      if (!ok) {
        warn("alert " + std::to_string(in.id) + " of '" + in.rule + "' has labels its rule no longer has; dropped");
        continue;
      }
      sid = store.series_for(metric, ls);
    }
    std::uint32_t* holder = nullptr;
    if (in.source == AlertSource::rule) {
      std::vector<std::uint32_t>& slots = state.rule_slots[owner];
      std::uint32_t idx = store.series[sid].index_in_metric;
      if (slots.size() <= idx) slots.resize(idx + 1, kNone);
      holder = &slots[idx];
    } else if (in.source == AlertSource::indicator) {
      std::vector<IndicatorSlot>& slots = state.indicator_slots[owner];
      std::uint32_t idx = store.series[sid].index_in_metric;
      if (slots.size() <= idx) slots.resize(idx + 1);
      holder = &slots[idx].alert;
    } else {
      holder = &state.stale_alerts[owner];
    }
    if (*holder != kNone) continue;  // two records for one slot: the first stands
    std::uint32_t slot = state.alerts.open();
    *holder = slot;
    LiveAlert& a = state.alerts[slot];
    a.id = in.id;
    a.source = in.source;
    a.owner = owner;
    a.series = sid;
    a.state = in.state;
    a.severity = in.severity == ast::Colour::green ? ast::Colour::amber : in.severity;
    a.streak = r.streak;
    a.returns_since_fired = r.returns_since_fired;
    a.escalations_done = r.escalations_done;
    a.decided = r.decided;
    a.fired_data = r.fired_data;
    a.since = in.since;
    a.fired_on = in.fired_on;
    a.changed_on = in.changed_on;
    a.last_seen = in.last_seen;
    a.value = in.value;
    a.cond = true;
    const std::vector<std::string>& declared = presenter.declared_routes(in.source, owner);
    for (const std::string& route : in.routes)
      if (std::find(declared.begin(), declared.end(), route) == declared.end()) a.extra_routes.push_back(route);
    state.alerts.next_id = std::max(state.alerts.next_id, a.id + 1);
  }
  for (std::uint32_t i = 0; i < store.metrics.size(); ++i) store.sorted_series(i);
  state.force_all = true;
  return notes;
}

}  // namespace bandwatch::engine::detail
