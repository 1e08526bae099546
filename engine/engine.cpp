// The Engine: the public face of an immutable compiled Program (program.hpp) and the State it
// evaluates against (state.hpp). Loading compiles; reloading compiles, then migrates the state;
// the views read both. See engine.hpp for the contract and docs/language.md for the meanings.
#include "engine/engine.hpp"

#include <algorithm>

#include "alerts.hpp"
#include "rules/checker.hpp"
#include "evaluation.hpp"
#include "program.hpp"
#include "state.hpp"

namespace bandwatch::engine {

using namespace detail;

struct Engine::Impl {
  std::shared_ptr<const Program> program;
  std::unique_ptr<State> state;
  EventRecycler recycler;

  bool loaded() const { return program != nullptr; }
};

namespace {

/// The checker is the one judge of a program: what it refuses is refused with its diagnostics,
/// and what it accepts compiles (the compiler reports only an internal error, a bug in one of
/// the two). Its warnings are the author's, given by `bandwatch check`; they are not repeated.
std::shared_ptr<const Program> compiled(const std::vector<ast::File>& files, LoadResult& result) {
  std::vector<Diagnostic> checked = check(files);
  if (has_errors(checked)) {
    result.diagnostics = std::move(checked);
    return nullptr;
  }
  auto program = std::make_shared<Program>();
  result.diagnostics = compile(files, *program);
  if (!result.ok()) return nullptr;
  return program;
}

}  // namespace

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

LoadResult Engine::load(const std::vector<ast::File>& files) {
  LoadResult result;
  impl_ = std::make_unique<Impl>();
  impl_->program = compiled(files, result);
  if (impl_->program) impl_->state = std::make_unique<State>(*impl_->program);
  return result;
}

LoadResult Engine::reload(const std::vector<ast::File>& files, std::vector<Event>* resolved) {
  LoadResult result;
  std::shared_ptr<const Program> program = compiled(files, result);
  if (!program) return result;
  auto state = std::make_unique<State>(*program);
  if (impl_->loaded()) {
    const Program& old = *impl_->program;
    State& was = *impl_->state;
    if (resolved) {
      // Alerts whose rule, indicator or feed is gone close now, so subscribers see them end.
      AlertPresenter presenter(old, was.store);
      EventList events(presenter, was.store, impl_->recycler, 0, was.last_as_of.value_or(Date{}));
      was.alerts.slots.for_each([&](const LiveAlert& a) {
        if (!a.in_use) return;
        const std::string& name = presenter.name(a);
        bool exists = a.source == AlertSource::rule        ? program->rule_ids.count(name) > 0
                      : a.source == AlertSource::indicator ? program->indicator_ids.count(name) > 0
                                                           : program->stale_ids.count(name) > 0;
        if (!exists) events.emit(EventKind::resolved, a, std::nullopt, Closing::removed);
      });
      for (Event& e : events.take()) resolved->push_back(std::move(e));
    }
    for (Diagnostic& d : detail::import_state(*program, detail::export_state(old, was), *state)) result.diagnostics.push_back(std::move(d));
  }
  impl_->program = std::move(program);
  impl_->state = std::move(state);
  return result;
}

bool Engine::loaded() const { return impl_->loaded(); }

std::optional<Engine::MetricId> Engine::metric_id(std::string_view name) const {
  if (!impl_->loaded()) return std::nullopt;
  const Program& p = *impl_->program;
  auto it = p.metric_ids.find(name);
  if (it == p.metric_ids.end() || p.metrics[it->second].anonymous) return std::nullopt;
  return it->second;
}

std::vector<std::string> Engine::metric_labels(std::string_view name) const {
  std::vector<std::string> out;
  if (!impl_->loaded()) return out;
  auto it = impl_->program->metric_ids.find(name);
  if (it == impl_->program->metric_ids.end()) return out;
  for (std::string_view label : impl_->program->metrics[it->second].label_strings) out.emplace_back(label);
  return out;
}

const std::vector<std::string>& Engine::sendable_metrics() const {
  static const std::vector<std::string> kNone;
  return impl_->loaded() ? impl_->program->sendable_names : kNone;
}

std::optional<Date> Engine::decided_return(std::string_view name) const {
  std::optional<MetricId> id = metric_id(name);
  if (!id) return std::nullopt;
  const MetricState& m = impl_->state->store.metrics[*id];
  return m.has_snapshot ? std::optional<Date>(m.snapshot) : std::nullopt;
}

ast::Unit Engine::metric_unit(std::string_view name) const {
  std::optional<MetricId> id = metric_id(name);
  return id ? impl_->program->metrics[*id].unit : ast::Unit::none;
}

void Engine::begin_batch() {
  if (impl_->loaded()) ++impl_->state->store.batch;
}

IngestResult Engine::ingest(const Sample& sample) {
  if (!impl_->loaded()) return {IngestStatus::no_program};
  std::optional<MetricId> id = metric_id(sample.metric);
  if (!id) return {IngestStatus::unknown_metric};
  return ingest(*id, sample.labels, sample.value, sample.as_of);
}

IngestResult Engine::ingest(MetricId metric, std::span<const LabelView> labels, double value, Date as_of) {
  if (!impl_->loaded()) return {IngestStatus::no_program};
  Stored stored = impl_->state->store.ingest(metric, labels, value, as_of);
  return {stored.status, stored.previous};
}

Evaluation Engine::evaluate(Date as_of) { return evaluate(as_of, 0, {}); }

Evaluation Engine::evaluate(Date as_of, std::size_t part_size,
                            const std::function<void(std::vector<Event>&&)>& take_part) {
  if (!impl_->loaded()) {
    Evaluation out;
    out.as_of = as_of;
    out.ok = false;
    out.error = "no rules loaded";
    return out;
  }
  return detail::evaluate(*impl_->program, *impl_->state, impl_->recycler, as_of, part_size, take_part);
}

void Engine::recycle(std::vector<Event>&& spent) { impl_->recycler.give_back(std::move(spent)); }

std::vector<Alert> Engine::open_alerts(bool include_pending) const {
  std::vector<Alert> out;
  if (!impl_->loaded()) return out;
  AlertPresenter presenter(*impl_->program, impl_->state->store, &impl_->state->indicator_slots);
  impl_->state->alerts.slots.for_each([&](const LiveAlert& a) {
    if (a.in_use && (include_pending || a.state == AlertState::firing)) out.push_back(presenter.to_alert(a));
  });
  std::sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) { return x.id < y.id; });
  return out;
}

std::size_t Engine::open_alert_count(bool include_pending) const {
  std::size_t n = 0;
  if (!impl_->loaded()) return n;
  impl_->state->alerts.slots.for_each(
      [&](const LiveAlert& a) { n += a.in_use && (include_pending || a.state == AlertState::firing); });
  return n;
}

std::optional<Date> Engine::first_open_date() const {
  if (!impl_->loaded()) return std::nullopt;
  const State& state = *impl_->state;
  std::optional<Date> first;
  for (const MetricState& m : state.store.metrics) {
    auto it = state.last_as_of ? std::upper_bound(m.return_dates.begin(), m.return_dates.end(), *state.last_as_of)
                               : m.return_dates.begin();
    if (it != m.return_dates.end() && (!first || *it < *first)) first = *it;
  }
  return first;
}

void Engine::for_each_indicator_value(const std::function<void(const IndicatorValueView&)>& visit) const {
  if (!impl_->loaded()) return;
  const Program& program = *impl_->program;
  const State& state = *impl_->state;
  const SeriesStore& store = state.store;
  std::vector<LabelView> labels;
  for (const ItemRef& item : program.order) {
    if (item.kind != ItemKind::indicator) continue;
    const IndicatorDef& ind = program.indicators[item.index];
    const std::vector<IndicatorSlot>& slots = state.indicator_slots[item.index];
    for (std::uint32_t sid : store.metrics[ind.metric].sorted) {
      const Series& s = store.series[sid];
      if (s.index_in_metric >= slots.size()) continue;
      const IndicatorSlot& slot = slots[s.index_in_metric];
      if (!slot.has) continue;
      labels.clear();
      for (const LabelPair& p : store.label_sets.get(s.labels))
        labels.push_back({store.strings.str(p.name), store.strings.str(p.value)});
      IndicatorValueView view;
      view.indicator = ind.name;
      view.labels = labels;
      view.value = slot.value;
      view.raw_value = slot.raw;
      view.unit = ind.unit;
      view.band = slot.band;
      view.trend = slot.trend;
      view.date = slot.date;
      view.updated = slot.stamp == state.stamp;
      if (slot.band_set != kNone) {
        view.target = ind.band_sets[slot.band_set].target;
        view.band_set = slot.band_set;
      }
      visit(view);
    }
  }
}

std::vector<IndicatorValue> Engine::indicator_values() const {
  std::vector<IndicatorValue> out;
  for_each_indicator_value([&](const IndicatorValueView& v) {
    IndicatorValue value;
    value.indicator = std::string(v.indicator);
    for (const LabelView& l : v.labels) value.labels.push_back({std::string(l.name), std::string(l.value)});
    value.value = v.value;
    value.raw_value = v.raw_value;
    value.unit = v.unit;
    value.band = v.band;
    value.trend = v.trend;
    value.date = v.date;
    value.updated = v.updated;
    value.target = std::string(v.target);
    value.band_set = v.band_set;
    out.push_back(std::move(value));
  });
  return out;
}

bool BandInfo::contains(double value) const {
  if (lower && (lower_inclusive ? value < *lower : value <= *lower)) return false;
  if (upper && (upper_inclusive ? value > *upper : value >= *upper)) return false;
  return true;
}

std::string Engine::format_indicator_value(std::string_view indicator, double value) const {
  if (impl_->loaded())
    if (auto it = impl_->program->indicator_ids.find(indicator); it != impl_->program->indicator_ids.end())
      return detail::format_indicator_value(impl_->program->indicators[it->second], value);
  return format_value(value, ast::Unit::none);
}

double Engine::classified_value(std::string_view indicator, double raw) const {
  if (impl_->loaded())
    if (auto it = impl_->program->indicator_ids.find(indicator); it != impl_->program->indicator_ids.end())
      if (int round = impl_->program->indicators[it->second].round; round >= 0) return round_decimal(raw, round);
  return raw;
}

std::vector<IndicatorInfo> Engine::indicators() const {
  std::vector<IndicatorInfo> out;
  if (!impl_->loaded()) return out;
  for (const ItemRef& item : impl_->program->order) {
    if (item.kind != ItemKind::indicator) continue;
    const IndicatorDef& ind = impl_->program->indicators[item.index];
    IndicatorInfo info{ind.name, ind.title, ind.group, ind.unit, ind.better, ind.frame, ind.round, ind.routes, {}};
    info.decimals = ind.decimals;
    for (const BandSetDef& set : ind.band_sets) {
      BandSetInfo data;
      if (set.has_from) data.from = set.from;
      data.where = set.where_text;
      data.target = set.target;
      for (const BandDef& b : set.bands) {
        BandInfo band;
        band.colour = b.colour;
        if (b.has_lower) band.lower = b.lower;
        if (b.has_upper) band.upper = b.upper;
        band.lower_inclusive = b.lower_inclusive;
        band.upper_inclusive = b.upper_inclusive;
        data.bands.push_back(band);
      }
      info.band_sets.push_back(std::move(data));
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<MetricValue> Engine::metric_values(std::string_view name) const {
  std::vector<MetricValue> out;
  if (!impl_->loaded()) return out;
  const Program& program = *impl_->program;
  const SeriesStore& store = impl_->state->store;
  auto it = program.metric_ids.find(name);
  if (it == program.metric_ids.end()) return out;
  const MetricState& m = store.metrics[it->second];
  if (!m.has_snapshot) return out;
  for (std::uint32_t sid : m.sorted) {
    const Point* p = store.series[sid].at(m.snapshot);
    if (!p) continue;
    out.push_back({store.labels_of(store.series[sid].labels), p->value, program.metrics[it->second].unit, p->date});
  }
  return out;
}

EngineState Engine::export_state() const {
  if (!impl_->loaded()) return {};
  return detail::export_state(*impl_->program, *impl_->state);
}

std::vector<Diagnostic> Engine::import_state(const EngineState& state) {
  if (!impl_->loaded()) return {Diagnostic{"<state>", {}, Severity::error, "no rules loaded"}};
  return detail::import_state(*impl_->program, state, *impl_->state);
}

std::optional<Date> Engine::last_as_of() const { return impl_->loaded() ? impl_->state->last_as_of : std::nullopt; }
std::uint64_t Engine::next_alert_id() const { return impl_->loaded() ? impl_->state->alerts.next_id : 1; }
void Engine::reserve_alert_ids(std::uint64_t next) {
  if (impl_->loaded()) impl_->state->alerts.next_id = std::max<AlertId>(impl_->state->alerts.next_id, next);
}
std::size_t Engine::series_count() const { return impl_->loaded() ? impl_->state->store.series.size() : 0; }

std::size_t Engine::memory_bytes() const {
  if (!impl_->loaded()) return 0;
  const State& state = *impl_->state;
  std::size_t bytes = state.store.memory_bytes() + state.alerts.slots.size() * sizeof(LiveAlert);
  for (const auto& slots : state.indicator_slots) bytes += slots.capacity() * sizeof(IndicatorSlot);
  for (const auto& slots : state.rule_slots) bytes += slots.capacity() * sizeof(std::uint32_t);
  return bytes;
}

}  // namespace bandwatch::engine
