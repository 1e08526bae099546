// Which return of each metric an evaluation reads: raw metrics move to their latest return on
// or before the date being closed; derived metrics are computed from their inputs' snapshots
// (or read from figures sent for them directly), in dependency order.
#include "metric_snapshots.hpp"

#include <algorithm>
#include <cmath>

namespace bandwatch::engine::detail {
namespace {

struct Group {
  std::uint32_t labels = 0;
  double n = 0, sum = 0, min = 0, max = 0, nonzero = 0;
};

class Refresher {
 public:
  Refresher(const Program& program, State& state, ExpressionEvaluator& expressions, Date as_of)
      : program_(program), store_(state.store), expressions_(expressions), as_of_(as_of),
        force_all_(state.force_all) {}

  void raw(std::uint32_t metric) {
    MetricState& m = store_.metrics[metric];
    bool has = false;
    Date snapshot;
    auto it = std::upper_bound(m.return_dates.begin(), m.return_dates.end(), as_of_);
    if (it != m.return_dates.begin()) {
      has = true;
      snapshot = *(it - 1);
    }
    m.new_return = has && (!m.has_snapshot || snapshot != m.snapshot);
    m.changed = force_all_ || has != m.has_snapshot || snapshot != m.snapshot;
    m.has_snapshot = has;
    m.snapshot = snapshot;
    if (!m.changed) return;
    m.current.clear();
    if (!has) return;
    // In label order, so events and reports come out ordered without sorting each time.
    for (std::uint32_t sid : store_.sorted_series(metric))
      if (store_.series[sid].at(snapshot)) m.current.push_back(sid);
  }

  void derived(const DerivedDef& d) {
    MetricState& out = store_.metrics[d.metric];
    bool changed = force_all_, new_return = false;
    for (std::uint32_t r : d.program.reads) {
      changed = changed || store_.metrics[r].changed;
      new_return = new_return || store_.metrics[r].new_return;
    }
    std::optional<Date> date;
    for (std::uint32_t r : d.program.reads) {
      const MetricState& in = store_.metrics[r];
      if (in.has_snapshot && (!date || in.snapshot > *date)) date = in.snapshot;
    }
    // Figures sent for the derived metric itself, at least as recent as its inputs, win.
    auto direct = std::upper_bound(out.return_dates.begin(), out.return_dates.end(), as_of_);
    if (direct != out.return_dates.begin() && (!date || *(direct - 1) >= *date)) {
      bool was_direct = out.direct;
      out.direct = true;
      raw(d.metric);
      out.changed = out.changed || !was_direct || changed;
      return;
    }
    out.direct = false;
    out.changed = changed;
    out.new_return = new_return;
    if (!changed) return;
    const MetricState& driver = store_.metrics[d.program.driver];
    // Values previously written at this date are recomputed from scratch.
    if (out.has_snapshot && date && out.snapshot == *date)
      for (std::uint32_t sid : out.current)
        if (!store_.series[sid].history.empty() && store_.series[sid].history.back().date == *date)
          store_.series[sid].history.pop_back();
    out.current.clear();
    if (!driver.has_snapshot || !date) {
      out.has_snapshot = false;
      return;
    }
    out.has_snapshot = true;
    out.snapshot = *date;
    if (!d.aggregate) {
      for (std::uint32_t sid : driver.current) {
        double v = expressions_.eval(d.program, d.root, expressions_.context_for(sid));
        if (v != v || !std::isfinite(v)) continue;
        std::uint32_t target = store_.series_for(d.metric, store_.series[sid].labels);
        store_.put_point(target, *date, v);
        out.current.push_back(target);
      }
      store_.sorted_series(d.metric);
      return;
    }
    aggregate(d, driver, *date);
  }

 private:
  void aggregate(const DerivedDef& d, const MetricState& driver, Date date) {
    MetricState& out = store_.metrics[d.metric];
    auto& groups = groups_;
    groups.clear();
    FlatIndex index;
    std::vector<LabelPair> key;
    for (std::uint32_t sid : driver.current) {
      Ctx ctx = expressions_.context_for(sid);
      double v = expressions_.eval(d.program, d.root, ctx);
      if (v != v) continue;
      key.clear();
      for (std::uint32_t name : d.by) {
        std::uint32_t value = label_value(ctx.labels, name);
        if (value != kNone) key.push_back({name, value});
      }
      std::uint32_t ls = store_.label_sets.intern(key);
      std::uint64_t h = mix64(ls);
      std::uint32_t g = index.find(h, [&](std::uint32_t i) { return groups[i].labels == ls; });
      if (g == kNone) {
        g = static_cast<std::uint32_t>(groups.size());
        groups.push_back({ls, 0, 0, v, v, 0});
        index.insert(h, g);
      }
      Group& group = groups[g];
      group.n += 1;
      group.sum += v;
      group.min = std::min(group.min, v);
      group.max = std::max(group.max, v);
      group.nonzero += v != 0;
    }
    for (const Group& g : groups) {
      double v = 0;
      switch (d.agg) {
        case AggKind::count: v = d.boolean_arg ? g.nonzero : g.n; break;
        case AggKind::sum: v = g.sum; break;
        case AggKind::avg: v = g.sum / g.n; break;
        case AggKind::min: v = g.min; break;
        case AggKind::max: v = g.max; break;
        case AggKind::share: v = 100.0 * g.nonzero / g.n; break;
      }
      std::uint32_t target = store_.series_for(d.metric, g.labels);
      store_.put_point(target, date, v);
    }
    // Groups appear in first-seen order; the snapshot is kept in label order.
    for (std::uint32_t sid : store_.sorted_series(d.metric))
      if (store_.series[sid].at(date)) out.current.push_back(sid);
  }

  const Program& program_;
  SeriesStore& store_;
  ExpressionEvaluator& expressions_;
  Date as_of_;
  bool force_all_;
  std::vector<Group> groups_;
};

}  // namespace

void refresh_snapshots(const Program& program, State& state, ExpressionEvaluator& expressions, Date as_of) {
  Refresher refresher(program, state, expressions, as_of);
  for (std::uint32_t i = 0; i < program.metrics.size(); ++i)
    if (!program.metrics[i].derived) refresher.raw(i);
  for (const DerivedDef& d : program.derived) refresher.derived(d);
}

}  // namespace bandwatch::engine::detail
