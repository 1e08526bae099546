// The engine proper: series store, expression evaluation, band classification and the alert state
// machine. See engine.hpp for the contract and docs/engine.md for the meanings chosen.
#include "engine/engine.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>

#include "engine/internal.hpp"

namespace bandwatch::engine {

using namespace detail;

namespace {

bool truthy(double v) { return v == v && v != 0; }

template <typename T>
bool holds(Node op, const T& a, const T& b) {
  switch (op) {
    case Node::less: return a < b;
    case Node::less_equal: return a <= b;
    case Node::greater: return a > b;
    case Node::greater_equal: return a >= b;
    case Node::equal: return a == b;
    case Node::not_equal: return a != b;
    default: return false;
  }
}

/// Three-valued comparison: a missing operand gives a missing result.
double compare(Node op, double a, double b) {
  if (a != a || b != b) return kMissing;
  return holds(op, a, b);
}

struct Ctx {
  std::uint32_t series = kNone;
  std::span<const LabelPair> labels;
  double value = kMissing;  // the driver series' current value
  Date date;                // the driver series' current sample date
};

struct LiveAlert {
  bool in_use = false;
  AlertId id = 0;
  AlertSource source = AlertSource::rule;
  std::uint32_t owner = 0;
  std::uint32_t series = kNone;
  AlertState state = AlertState::firing;
  ast::Colour severity = ast::Colour::amber;
  std::int64_t streak = 0, opened_eval = 0, fired_eval = 0, counted_eval = 0;
  std::int32_t escalations_applied = 0;
  Date since, fired_on, changed_on, last_seen;
  double value = 0;
  bool cond = false;
  std::uint32_t stamp = 0;
  std::vector<std::string> extra_routes;  // `to` routes added by escalations
};

}  // namespace

struct Engine::Impl {
  StringPool strings;
  LabelSetPool label_sets;
  Program program;
  bool loaded = false;

  std::vector<Series> series;
  ChunkedVector<LiveAlert> alerts;  // growing never moves the live ones
  std::vector<std::uint32_t> free_alerts;
  AlertId next_alert_id = 1;
  std::int64_t evaluation_index = 0;
  std::optional<Date> first_as_of, last_as_of;
  std::uint32_t stamp = 0;
  bool force_all = true;
  // Re-evaluating the same date (the daemon evaluates every batch) looks only at the metrics
  // that received samples, not at every metric of the program.
  std::vector<std::uint32_t> dirty_metrics;    // raw metrics with samples since the last evaluation
  std::vector<std::uint32_t> changed_metrics;  // raw metrics the last evaluation saw change

  // per evaluation
  Date as_of;
  bool new_period = false;
  std::vector<Event> events;
  // Given back by Engine::recycle: emit refills their events; an emptied list's storage holds a
  // later evaluation's events.
  std::vector<std::vector<Event>> spare_events, spare_storage;
  static constexpr std::size_t kMostSpareEvents = 1 << 16, kMostSpareStorage = 4;
  std::size_t spare_count = 0;  // events in spare_events
  std::size_t last_event_count = 0;
  std::vector<std::uint32_t> event_labels;  // label set of each event, for ordering

  // scratch
  std::vector<LabelView> views_scratch;
  std::vector<LabelPair> pairs_scratch;

  // ---- store ----

  std::uint32_t find_series(std::uint32_t metric, std::uint32_t labels) const {
    return program.metrics[metric].series_by_labels.find(labels);
  }

  std::uint32_t series_for(std::uint32_t metric, std::uint32_t labels) {
    std::uint32_t id = find_series(metric, labels);
    if (id != kNone) return id;
    id = static_cast<std::uint32_t>(series.size());
    MetricC& m = program.metrics[metric];
    Series s;
    s.metric = metric;
    s.labels = labels;
    s.index_in_metric = static_cast<std::uint32_t>(m.series.size());
    if (m.keep_days == 0) s.history.reserve(static_cast<std::size_t>(m.keep_points) + 1);  // one allocation for life
    series.push_back(std::move(s));
    m.series.push_back(id);
    m.series_by_labels.insert(labels, id);
    return id;
  }

  template <typename T, typename DateOf>
  static void prune(std::vector<T>& items, const MetricC& m, DateOf date_of) {
    if (items.size() <= static_cast<std::size_t>(m.keep_points)) return;
    std::int32_t newest = date_of(items.back()).days_since_epoch;
    std::size_t drop = 0;
    while (items.size() - drop > static_cast<std::size_t>(m.keep_points) &&
           date_of(items[drop + 1]).days_since_epoch <= newest - m.keep_days)
      ++drop;
    if (drop) items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(drop));
  }

  void put_point(std::uint32_t sid, Date date, double value) {
    Series& s = series[sid];
    auto& h = s.history;
    if (h.empty() || h.back().date < date) {
      h.push_back({date, value});
    } else if (h.back().date == date) {
      h.back().value = value;
      return;
    } else {
      auto it = std::lower_bound(h.begin(), h.end(), date, [](const Point& p, Date d) { return p.date < d; });
      if (it != h.end() && it->date == date) {
        it->value = value;
        return;
      }
      h.insert(it, {date, value});
    }
    prune(h, program.metrics[s.metric], [](const Point& p) { return p.date; });
  }

  static void add_batch_date(MetricC& m, Date date) {
    auto& d = m.batch_dates;
    if (d.empty() || d.back() < date) d.push_back(date);
    else if (d.back() == date) return;
    else {
      auto it = std::lower_bound(d.begin(), d.end(), date);
      if (it != d.end() && *it == date) return;
      d.insert(it, date);
    }
    // Keep generously more dates than points: a date is cheap and the snapshot must find it.
    if (d.size() > static_cast<std::size_t>(m.keep_points) + 8) {
      MetricC copy_policy;
      copy_policy.keep_points = m.keep_points + 8;
      copy_policy.keep_days = m.keep_days;
      prune(d, copy_policy, [](Date x) { return x; });
    }
  }

  IngestStatus ingest(std::uint32_t metric_id, std::span<const LabelView> labels, double value, Date date) {
    if (!loaded) return IngestStatus::no_program;
    if (metric_id >= program.metrics.size()) return IngestStatus::unknown_metric;
    MetricC& m = program.metrics[metric_id];
    if (!std::isfinite(value)) return IngestStatus::not_a_number;
    auto& views = views_scratch;
    views.clear();
    for (const LabelView& l : labels)
      if (!l.value.empty()) views.push_back(l);  // an empty value is an absent label (Prometheus)
    for (std::size_t i = 1; i < views.size(); ++i)  // insertion sort: a handful of labels
      for (std::size_t j = i; j > 0 && views[j].name < views[j - 1].name; --j) std::swap(views[j], views[j - 1]);
    auto& pairs = pairs_scratch;
    pairs.clear();
    std::size_t j = 0;
    for (std::size_t i = 0; i < views.size(); ++i) {
      if (i > 0 && views[i].name == views[i - 1].name) return IngestStatus::duplicate_label;
      while (j < m.label_strings.size() && m.label_strings[j] < views[i].name) ++j;
      if (j == m.label_strings.size() || m.label_strings[j] != views[i].name) return IngestStatus::unknown_label;
      pairs.push_back({m.labels[j], strings.intern(views[i].value)});
    }
    std::uint32_t sid = series_for(metric_id, label_sets.intern(pairs));
    put_point(sid, date, value);
    add_batch_date(m, date);
    if (!m.dirty) {
      m.dirty = true;
      dirty_metrics.push_back(metric_id);
    }
    return IngestStatus::ok;
  }

  double current_value(std::uint32_t sid) const {
    const Series& s = series[sid];
    const MetricC& m = program.metrics[s.metric];
    if (!m.has_snapshot) return kMissing;
    const Point* p = s.at(m.snapshot);
    return p ? p->value : kMissing;
  }

  // ---- expressions ----

  static std::uint32_t label_value(std::span<const LabelPair> labels, std::uint32_t name) {
    for (const LabelPair& p : labels)
      if (p.name == name) return p.value;
    return kNone;
  }

  static bool matchers_hold(const MetricRef& ref, std::span<const LabelPair> labels) {
    for (const LabelPair& m : ref.eq)
      if (label_value(labels, m.name) != m.value) return false;
    for (const LabelPair& m : ref.ne)
      if (label_value(labels, m.name) == m.value) return false;
    return true;
  }

  /// The series a reference reads for the driver series of `ctx`, or kNone.
  std::uint32_t resolve(const MetricRef& ref, const Ctx& ctx) {
    switch (ref.join) {
      case Join::self:
        return matchers_hold(ref, ctx.labels) ? ctx.series : kNone;
      case Join::scalar: {
        const MetricC& m = program.metrics[ref.metric];
        return m.current.empty() ? kNone : m.current.front();
      }
      case Join::project: {
        const MetricC& m = program.metrics[ref.metric];
        auto& pairs = pairs_scratch;
        pairs.clear();
        for (std::uint32_t name : m.labels) {
          std::uint32_t value = kNone;
          for (const LabelPair& e : ref.eq)
            if (e.name == name) value = e.value;
          if (value == kNone) value = label_value(ctx.labels, name);
          if (value != kNone) pairs.push_back({name, value});
        }
        std::uint32_t ls = label_sets.find(pairs);
        if (ls == kNone) return kNone;
        std::uint32_t sid = find_series(ref.metric, ls);
        if (sid == kNone || !matchers_hold(ref, label_sets.get(ls))) return kNone;
        return sid;
      }
    }
    return kNone;
  }

  double history_value(const ExprNode& node, std::uint32_t sid) const {
    const Series& s = series[sid];
    const MetricC& m = program.metrics[s.metric];
    if (!m.has_snapshot) return kMissing;
    const auto& h = s.history;
    std::ptrdiff_t i = static_cast<std::ptrdiff_t>(h.size()) - 1;
    while (i >= 0 && h[static_cast<std::size_t>(i)].date > m.snapshot) --i;
    if (i < 0 || h[static_cast<std::size_t>(i)].date != m.snapshot) return kMissing;
    const Point& cur = h[static_cast<std::size_t>(i)];
    const Duration& d = node.duration;
    bool periods = d.unit == DurationUnit::periods;
    switch (node.fn) {
      case HistoryFn::pct_change:
      case HistoryFn::change:
      case HistoryFn::prev: {
        const Point* past = nullptr;
        if (periods) {
          std::ptrdiff_t j = i - static_cast<std::ptrdiff_t>(d.amount);
          if (j >= 0) past = &h[static_cast<std::size_t>(j)];
        } else {
          // The latest value at or before the date one window back, if it is not older than
          // two windows back: a year-on-year change never compares against data two years old.
          std::optional<Date> target = subtract(cur.date, d);
          std::optional<Date> oldest = target ? subtract(*target, d) : std::nullopt;
          if (!target || !oldest) return kMissing;
          for (std::ptrdiff_t j = i - 1; j >= 0; --j) {
            const Point& p = h[static_cast<std::size_t>(j)];
            if (p.date <= *target) {
              if (p.date > *oldest) past = &p;
              break;
            }
          }
        }
        if (!past) return kMissing;
        if (node.fn == HistoryFn::prev) return past->value;
        if (node.fn == HistoryFn::change) return cur.value - past->value;
        if (past->value == 0) return kMissing;
        return 100.0 * (cur.value - past->value) / std::fabs(past->value);
      }
      case HistoryFn::avg_over:
      case HistoryFn::sum_over:
      case HistoryFn::min_over:
      case HistoryFn::max_over: {
        std::ptrdiff_t first = i;
        if (periods) {
          first = std::max<std::ptrdiff_t>(0, i - static_cast<std::ptrdiff_t>(d.amount) + 1);
        } else {
          std::optional<Date> start = subtract(cur.date, d);
          if (!start) return kMissing;
          while (first > 0 && h[static_cast<std::size_t>(first - 1)].date > *start) --first;
        }
        double sum = 0, lo = cur.value, hi = cur.value;
        for (std::ptrdiff_t j = first; j <= i; ++j) {
          double v = h[static_cast<std::size_t>(j)].value;
          sum += v;
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        double n = static_cast<double>(i - first + 1);
        if (node.fn == HistoryFn::avg_over) return sum / n;
        if (node.fn == HistoryFn::sum_over) return sum;
        return node.fn == HistoryFn::min_over ? lo : hi;
      }
    }
    return kMissing;
  }

  double eval(const ExprProgram& prog, std::uint32_t n, const Ctx& ctx) {
    const ExprNode& node = prog.nodes[n];
    switch (node.op) {
      case Node::constant: return node.number;
      case Node::ref: {
        const MetricRef& ref = prog.refs[node.ref];
        if (ref.join == Join::self) return matchers_hold(ref, ctx.labels) ? ctx.value : kMissing;
        std::uint32_t sid = resolve(ref, ctx);
        return sid == kNone ? kMissing : current_value(sid);
      }
      case Node::label_eq: return (label_value(ctx.labels, node.a) == node.b) != node.negated;
      case Node::label_in: {
        std::uint32_t v = label_value(ctx.labels, node.a);
        bool in = std::binary_search(node.set.begin(), node.set.end(), v);
        return in != node.negated;
      }
      case Node::labels_equal: {
        std::uint32_t a = label_value(ctx.labels, node.a), b = label_value(ctx.labels, node.b);
        return (a == b) != node.negated;
      }
      case Node::add: return eval(prog, node.a, ctx) + eval(prog, node.b, ctx);
      case Node::subtract: return eval(prog, node.a, ctx) - eval(prog, node.b, ctx);
      case Node::multiply: return eval(prog, node.a, ctx) * eval(prog, node.b, ctx);
      case Node::divide: {
        double b = eval(prog, node.b, ctx);
        if (b == 0) return kMissing;
        return eval(prog, node.a, ctx) / b;
      }
      case Node::less:
      case Node::less_equal:
      case Node::greater:
      case Node::greater_equal:
      case Node::equal:
      case Node::not_equal: return compare(node.op, eval(prog, node.a, ctx), eval(prog, node.b, ctx));
      case Node::logical_and: {
        double a = eval(prog, node.a, ctx);
        if (a == 0) return 0;
        double b = eval(prog, node.b, ctx);
        if (b == 0) return 0;
        return (a != a || b != b) ? kMissing : 1;
      }
      case Node::logical_or: {
        double a = eval(prog, node.a, ctx);
        if (truthy(a)) return 1;
        double b = eval(prog, node.b, ctx);
        if (truthy(b)) return 1;
        return (a != a || b != b) ? kMissing : 0;
      }
      case Node::logical_not: {
        double a = eval(prog, node.a, ctx);
        return a != a ? kMissing : (a == 0 ? 1 : 0);
      }
      case Node::negate: return -eval(prog, node.a, ctx);
      case Node::abs_value: return std::fabs(eval(prog, node.a, ctx));
      case Node::min2: return std::min(eval(prog, node.a, ctx), eval(prog, node.b, ctx));
      case Node::max2: return std::max(eval(prog, node.a, ctx), eval(prog, node.b, ctx));
      case Node::age_compare: {
        // `age >= 2 years`: the start is `age` days before the sample date; two years on from the
        // start, on the calendar, must have been reached by the sample date.
        double age = eval(prog, node.a, ctx);
        if (age != age) return kMissing;
        Date start{ctx.date.days_since_epoch - static_cast<std::int32_t>(std::llround(age))};
        std::optional<Date> reached = add(start, node.duration);
        if (!reached) return kMissing;
        // age OP duration  <=>  sample date OP (start + duration): same direction on dates.
        return holds(node.cmp, ctx.date, *reached);
      }
      case Node::history: {
        std::uint32_t sid = resolve(prog.refs[node.ref], ctx);
        return sid == kNone ? kMissing : history_value(node, sid);
      }
    }
    return kMissing;
  }

  Ctx context_for(std::uint32_t sid) const {
    const Series& s = series[sid];
    const MetricC& m = program.metrics[s.metric];
    Ctx ctx;
    ctx.series = sid;
    ctx.labels = label_sets.get(s.labels);
    ctx.date = m.snapshot;
    ctx.value = current_value(sid);
    return ctx;
  }

  // ---- metrics at an evaluation ----

  void refresh_raw(MetricC& m) {
    bool has = false;
    Date snapshot;
    auto it = std::upper_bound(m.batch_dates.begin(), m.batch_dates.end(), as_of);
    if (it != m.batch_dates.begin()) {
      has = true;
      snapshot = *(it - 1);
    }
    m.changed = force_all || m.dirty || has != m.has_snapshot || snapshot != m.snapshot;
    m.dirty = false;
    m.has_snapshot = has;
    m.snapshot = snapshot;
    if (!m.changed) return;
    m.current.clear();
    if (!has) return;
    // In label order, so events and reports come out ordered without sorting each time.
    for (std::uint32_t sid : sorted_series(m))
      if (series[sid].at(snapshot)) m.current.push_back(sid);
  }

  struct Group {
    std::uint32_t labels = 0;
    double n = 0, sum = 0, min = 0, max = 0, nonzero = 0;
  };
  std::vector<Group> groups_scratch;

  void refresh_derived(const DerivedC& d) {
    MetricC& out = program.metrics[d.metric];
    bool changed = force_all || out.dirty;
    for (std::uint32_t r : d.program.reads) changed = changed || program.metrics[r].changed;
    out.changed = changed;
    if (!changed) return;
    const MetricC& driver = program.metrics[d.program.driver];
    std::optional<Date> date;
    for (std::uint32_t r : d.program.reads) {
      const MetricC& in = program.metrics[r];
      if (in.has_snapshot && (!date || in.snapshot > *date)) date = in.snapshot;
    }
    // Figures sent for the derived metric itself, at least as recent as its inputs, win.
    auto direct = std::upper_bound(out.batch_dates.begin(), out.batch_dates.end(), as_of);
    if (direct != out.batch_dates.begin() && (!date || *(direct - 1) >= *date)) {
      bool was_direct = out.direct;
      out.direct = true;
      refresh_raw(out);
      out.changed = out.changed || !was_direct || changed;
      return;
    }
    out.direct = false;
    out.dirty = false;
    // Values previously written at this date are recomputed from scratch.
    if (out.has_snapshot && date && out.snapshot == *date)
      for (std::uint32_t sid : out.current)
        if (!series[sid].history.empty() && series[sid].history.back().date == *date) series[sid].history.pop_back();
    out.current.clear();
    if (!driver.has_snapshot || !date) {
      out.has_snapshot = false;
      return;
    }
    out.has_snapshot = true;
    out.snapshot = *date;
    if (!d.aggregate) {
      for (std::uint32_t sid : driver.current) {
        double v = eval(d.program, d.root, context_for(sid));
        if (v != v || !std::isfinite(v)) continue;
        std::uint32_t target = series_for(d.metric, series[sid].labels);
        put_point(target, *date, v);
        out.current.push_back(target);
      }
    } else {
      auto& groups = groups_scratch;
      groups.clear();
      FlatIndex index;
      std::vector<LabelPair> key;
      for (std::uint32_t sid : driver.current) {
        Ctx ctx = context_for(sid);
        double v = eval(d.program, d.root, ctx);
        if (v != v) continue;
        key.clear();
        for (std::uint32_t name : d.by) {
          std::uint32_t value = label_value(ctx.labels, name);
          if (value != kNone) key.push_back({name, value});
        }
        std::uint32_t ls = label_sets.intern(key);
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
        std::uint32_t target = series_for(d.metric, g.labels);
        put_point(target, *date, v);
      }
      // Groups appear in first-seen order; the snapshot is kept in label order.
      for (std::uint32_t sid : sorted_series(out))
        if (series[sid].at(*date)) out.current.push_back(sid);
      return;
    }
    sorted_series(out);
  }

  // ---- alerts and events ----

  std::uint32_t new_alert() {
    std::uint32_t slot;
    if (!free_alerts.empty()) {
      slot = free_alerts.back();
      free_alerts.pop_back();
      alerts[slot] = LiveAlert{};
    } else {
      slot = static_cast<std::uint32_t>(alerts.size());
      alerts.emplace_back();
    }
    alerts[slot].in_use = true;
    return slot;
  }

  void free_alert(std::uint32_t slot) {
    alerts[slot].in_use = false;
    alerts[slot].extra_routes.clear();
    free_alerts.push_back(slot);
  }

  Labels labels_of(std::uint32_t labelset) const {
    Labels out;
    assign_labels(labelset, out);
    return out;
  }
  /// Into `out`, reusing its strings' memory (recycled events).
  void assign_labels(std::uint32_t labelset, Labels& out) const {
    if (labelset == kNone) return out.clear();
    std::span<const LabelPair> pairs = label_sets.get(labelset);
    out.resize(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      out[i].name = strings.str(pairs[i].name);
      out[i].value = strings.str(pairs[i].value);
    }
  }

  std::uint32_t alert_labelset(const LiveAlert& a) const {
    return a.series == kNone ? label_sets.find({}) : series[a.series].labels;
  }

  ast::Unit alert_unit(const LiveAlert& a) const {
    switch (a.source) {
      case AlertSource::rule: return program.rules[a.owner].value_unit;
      case AlertSource::indicator: return program.indicators[a.owner].unit;
      case AlertSource::stale: return ast::Unit::days;
    }
    return ast::Unit::none;
  }

  const std::string& alert_name(const LiveAlert& a) const {
    switch (a.source) {
      case AlertSource::rule: return program.rules[a.owner].name;
      case AlertSource::indicator: return program.indicators[a.owner].name;
      case AlertSource::stale: break;
    }
    return program.stale[a.owner].name;
  }

  const std::vector<std::string>& declared_routes(AlertSource source, std::uint32_t owner) const {
    static const std::vector<std::string> kNoRoutes;
    if (source == AlertSource::rule) return program.rules[owner].routes;
    if (source == AlertSource::indicator) return program.indicators[owner].routes;
    return kNoRoutes;
  }

  std::vector<std::string> alert_routes(const LiveAlert& a) const {
    std::vector<std::string> routes;
    assign_routes(a, routes);
    return routes;
  }
  void assign_routes(const LiveAlert& a, std::vector<std::string>& routes) const {
    routes = declared_routes(a.source, a.owner);
    for (const std::string& r : a.extra_routes)
      if (std::find(routes.begin(), routes.end(), r) == routes.end()) routes.push_back(r);
  }

  std::string alert_message(const LiveAlert& a, Band band, std::string_view formatted) const {
    std::string text;
    write_alert_message(a, band, formatted, text);
    return text;
  }
  /// Into `text` (cleared first), reusing its memory (recycled events).
  void write_alert_message(const LiveAlert& a, Band band, std::string_view formatted, std::string& text) const {
    text.clear();
    switch (a.source) {
      case AlertSource::rule: {
        const RuleC& rule = program.rules[a.owner];
        std::span<const LabelPair> labels = label_sets.get(alert_labelset(a));
        if (rule.message.empty()) {
          text += rule.title;
          if (!labels.empty()) {
            text.append(" (", 2);
            for (std::size_t i = 0; i < labels.size(); ++i) {
              if (i) text.append(", ", 2);
              text += strings.str(labels[i].name);
              text += '=';
              text += strings.str(labels[i].value);
            }
            text += ')';
          }
          text.append(": ", 2);
          text += formatted;
          return;
        }
        for (const MessagePart& part : rule.message) {
          switch (part.kind) {
            case Segment::value: text += formatted; break;
            case Segment::label: {
              std::uint32_t v = label_value(labels, part.label);
              if (v != kNone) text += strings.str(v);
              break;
            }
            default: text += part.text; break;
          }
        }
        return;
      }
      case AlertSource::indicator: {
        const IndicatorC& ind = program.indicators[a.owner];
        text += ind.title;
        std::span<const LabelPair> labels = label_sets.get(alert_labelset(a));
        if (!labels.empty()) {
          text.append(" (", 2);
          for (std::size_t i = 0; i < labels.size(); ++i) {
            if (i) text.append(", ", 2);
            text += strings.str(labels[i].value);
          }
          text += ')';
        }
        text.append(": ", 2);
        text += formatted;
        text.append(" is ", 4);
        text += to_string(band);
        return;
      }
      case AlertSource::stale: {
        const StaleC& stale = program.stale[a.owner];
        text += "no data for ";
        text += stale.name;
        text += " for ";
        text += formatted;
        text += " (expected every ";
        text += to_string(stale.every);
        text += ')';
        return;
      }
    }
  }

  Band band_of(const LiveAlert& a) const {
    return a.severity == ast::Colour::red ? Band::red : Band::amber;
  }

  void emit(EventKind kind, const LiveAlert& a, std::optional<Band> band = std::nullopt) {
    // Built in place, in a recycled event when there is one: an evaluation can yield many
    // thousands, and refilling their strings allocates nothing. Every member is set.
    if (spare_events.empty()) {
      events.emplace_back();
    } else {
      std::vector<Event>& spare = spare_events.back();
      events.push_back(std::move(spare.back()));
      spare.pop_back();
      --spare_count;
      if (spare.empty()) {
        if (spare_storage.size() < kMostSpareStorage) spare_storage.push_back(std::move(spare));
        spare_events.pop_back();
      }
    }
    Event& e = events.back();
    e.kind = kind;
    e.alert_id = kind == EventKind::unbanded && !a.in_use ? 0 : a.id;
    e.source = a.source;
    e.rule = alert_name(a);
    std::uint32_t ls = alert_labelset(a);
    assign_labels(ls, e.labels);
    e.severity = a.severity;
    e.value = a.value;
    e.unit = alert_unit(a);
    e.formatted_value = format_value(a.value, e.unit);
    write_alert_message(a, band.value_or(band_of(a)), e.formatted_value, e.message);
    assign_routes(a, e.routes);
    e.as_of = as_of;
    e.since = a.since;
    event_labels.push_back(ls);
  }

  bool labels_less(std::uint32_t x, std::uint32_t y) const {
    if (x == y || x == kNone || y == kNone) return false;
    std::span<const LabelPair> a = label_sets.get(x), b = label_sets.get(y);
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (a[i].name != b[i].name) return strings.str(a[i].name) < strings.str(b[i].name);
      if (a[i].value != b[i].value) return strings.str(a[i].value) < strings.str(b[i].value);
    }
    return a.size() < b.size();
  }

  /// Orders the events of one item by label set (stable: kinds keep their order per series).
  void order_events(std::size_t from) {
    if (events.size() - from < 2) return;
    bool in_order = true;
    for (std::size_t i = from + 1; i < events.size() && in_order; ++i)
      in_order = !labels_less(event_labels[i], event_labels[i - 1]);
    if (in_order) return;
    std::vector<std::size_t> idx(events.size() - from);
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = from + i;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return labels_less(event_labels[a], event_labels[b]); });
    std::vector<Event> sorted;
    std::vector<std::uint32_t> keys;
    sorted.reserve(idx.size());
    for (std::size_t i : idx) {
      sorted.push_back(std::move(events[i]));
      keys.push_back(event_labels[i]);
    }
    std::move(sorted.begin(), sorted.end(), events.begin() + static_cast<std::ptrdiff_t>(from));
    std::copy(keys.begin(), keys.end(), event_labels.begin() + static_cast<std::ptrdiff_t>(from));
  }

  // ---- stale ----

  void eval_stale() {
    for (std::uint32_t i = 0; i < program.stale.size(); ++i) {
      StaleC& s = program.stale[i];
      std::optional<Date> latest;
      for (std::uint32_t m : s.metrics) {
        const MetricC& metric = program.metrics[m];
        if (metric.has_snapshot && (!latest || metric.snapshot > *latest)) latest = metric.snapshot;
      }
      // A feed that has never delivered is not yet being watched: in a program that covers
      // several reports, the metrics of another report's extract would otherwise go stale at once.
      if (!latest) continue;
      Date base = *latest;
      bool stale = at_least(base, as_of, s.every);
      if (stale) {
        double days = as_of.days_since_epoch - base.days_since_epoch;
        if (s.alert == kNone) {
          s.alert = new_alert();
          LiveAlert& a = alerts[s.alert];
          a.id = next_alert_id++;
          a.source = AlertSource::stale;
          a.owner = i;
          a.severity = ast::Colour::amber;
          a.since = a.fired_on = a.changed_on = as_of;
          a.opened_eval = a.fired_eval = a.counted_eval = evaluation_index;
          a.value = days;
          a.last_seen = as_of;
          emit(EventKind::stale, a);
        } else {
          alerts[s.alert].value = days;
          alerts[s.alert].last_seen = as_of;
        }
      } else if (s.alert != kNone) {
        emit(EventKind::resolved, alerts[s.alert]);
        free_alert(s.alert);
        s.alert = kNone;
      }
    }
  }

  // ---- indicators ----

  static bool in_band(const BandC& b, double v) {
    if (b.has_lower && (b.lower_inclusive ? v < b.lower : v <= b.lower)) return false;
    if (b.has_upper && (b.upper_inclusive ? v > b.upper : v >= b.upper)) return false;
    return true;
  }

  std::uint32_t band_set_for(IndicatorC& ind, const Ctx& ctx) {
    for (std::uint32_t i = 0; i < ind.band_sets.size(); ++i) {
      const BandSetC& set = ind.band_sets[i];
      if (set.has_from && set.from > ctx.date) continue;
      if (set.where != kNone && !truthy(eval(ind.program, set.where, ctx))) continue;
      return i;
    }
    return kNone;
  }

  /// Returns whether its events came out in label order already (so they need no sorting).
  bool eval_indicator(std::uint32_t index) {
    IndicatorC& ind = program.indicators[index];
    MetricC& m = program.metrics[ind.metric];
    if (!m.changed) return true;
    // A raw metric's current series are in label order (refresh_raw), and so are the events of
    // the loop over them; resolutions of entities that left come in slot order.
    bool in_label_order = !m.derived;
    if (ind.slots.size() < m.series.size()) ind.slots.resize(m.series.size());
    for (std::uint32_t sid : m.current) {
      Ctx ctx = context_for(sid);
      const Series& s = series[sid];
      IndicatorSlot& slot = ind.slots[s.index_in_metric];
      double raw = ctx.value;
      double value = ind.round >= 0 ? round_decimal(raw, ind.round) : raw;
      std::uint32_t set = band_set_for(ind, ctx);
      Band band = Band::unbanded;
      bool small = false;
      if (ind.cohort != kNone) {
        double cohort = eval(ind.program, ind.cohort, ctx);
        small = cohort == cohort && cohort < ind.cohort_minimum;
      }
      if (small) {
        band = Band::small_cohort;
      } else if (set != kNone) {
        for (const BandC& b : ind.band_sets[set].bands)
          if (in_band(b, value)) {
            band = b.colour == ast::Colour::green ? Band::green : b.colour == ast::Colour::amber ? Band::amber : Band::red;
            break;
          }
      }
      // Short trend against the previous value of this series, compared as classified.
      Trend trend = Trend::none;
      if (ind.better != ast::Better::unspecified) {
        const Point* cur = s.at(ctx.date);
        if (cur && cur != s.history.data()) {
          double prev = (cur - 1)->value;
          if (ind.round >= 0) prev = round_decimal(prev, ind.round);
          if (value == prev) trend = Trend::unchanged;
          else if ((value > prev) == (ind.better == ast::Better::higher)) trend = Trend::improving;
          else trend = Trend::declining;
        }
      }
      std::optional<Band> previous = slot.banded ? std::optional<Band>(slot.band) : std::nullopt;
      slot.has = true;
      slot.value = value;
      slot.raw = raw;
      slot.trend = trend;
      slot.date = ctx.date;
      slot.band_set = set;
      slot.stamp = stamp;
      slot.band = band;
      slot.banded = true;
      transition(index, slot, sid, band, previous, value);
    }
    // Entities missing from the latest data: their values go, their alerts resolve.
    for (IndicatorSlot& slot : ind.slots) {
      if (slot.stamp == stamp) continue;
      if (!slot.has && slot.alert == kNone) continue;
      slot.has = false;
      slot.banded = false;
      if (slot.alert != kNone) {
        emit(EventKind::resolved, alerts[slot.alert]);
        free_alert(slot.alert);
        slot.alert = kNone;
        in_label_order = false;
      }
    }
    return in_label_order;
  }

  void transition(std::uint32_t index, IndicatorSlot& slot, std::uint32_t sid, Band band,
                  std::optional<Band> previous, double value) {
    LiveAlert* a = slot.alert != kNone ? &alerts[slot.alert] : nullptr;
    if (a) {
      a->value = value;
      a->last_seen = as_of;
      a->stamp = stamp;
    }
    switch (band) {
      case Band::green:
        if (a) {
          emit(EventKind::resolved, *a, band);
          free_alert(slot.alert);
          slot.alert = kNone;
        }
        break;
      case Band::amber:
      case Band::red: {
        ast::Colour severity = band == Band::red ? ast::Colour::red : ast::Colour::amber;
        if (!a) {
          slot.alert = new_alert();
          a = &alerts[slot.alert];
          a->id = next_alert_id++;
          a->source = AlertSource::indicator;
          a->owner = index;
          a->series = sid;
          a->state = AlertState::firing;
          a->severity = severity;
          a->since = a->fired_on = a->changed_on = a->last_seen = as_of;
          a->opened_eval = a->fired_eval = a->counted_eval = evaluation_index;
          a->streak = 1;
          a->value = value;
          a->stamp = stamp;
          emit(EventKind::fired, *a, band);
        } else if (severity != a->severity) {
          EventKind kind = severity > a->severity ? EventKind::escalated : EventKind::de_escalated;
          a->severity = severity;
          a->changed_on = as_of;
          emit(kind, *a, band);
        }
        break;
      }
      case Band::unbanded:
        if (previous != Band::unbanded) {
          LiveAlert probe;
          if (a) probe = *a;
          else {
            probe.source = AlertSource::indicator;
            probe.owner = index;
            probe.series = sid;
            probe.value = value;
            probe.since = as_of;
          }
          probe.in_use = a != nullptr;
          probe.severity = a ? a->severity : ast::Colour::amber;
          emit(EventKind::unbanded, probe, band);
        }
        break;
      case Band::small_cohort: break;  // shown, never alerting or escalating; an open alert waits
    }
  }

  // ---- rules ----

  void open_rule_alert(std::uint32_t index, RuleSlot& slot, std::uint32_t sid, double value) {
    const RuleC& rule = program.rules[index];
    slot.alert = new_alert();
    LiveAlert& a = alerts[slot.alert];
    a.id = next_alert_id++;
    a.source = AlertSource::rule;
    a.owner = index;
    a.series = sid;
    a.severity = rule.severity;
    a.since = a.last_seen = as_of;
    a.opened_eval = a.counted_eval = evaluation_index;
    a.streak = 1;
    a.value = value;
    a.cond = true;
    a.stamp = stamp;
    if (rule.for_periods > 0) {
      a.state = AlertState::pending;
      emit(EventKind::pending, a);
    } else {
      a.state = AlertState::firing;
      a.fired_on = a.changed_on = as_of;
      a.fired_eval = evaluation_index;
      emit(EventKind::fired, a);
    }
  }

  /// One step of a live rule alert: `cond` is the rule's condition now, `cleared` whether it
  /// is over (no condition, or `clear when` met).
  void step_rule_alert(std::uint32_t index, RuleSlot& slot, bool cond, bool cleared, double value) {
    const RuleC& rule = program.rules[index];
    LiveAlert& a = alerts[slot.alert];
    a.stamp = stamp;
    a.value = value;
    a.cond = cond;
    a.last_seen = as_of;
    bool counts = a.counted_eval < evaluation_index;  // a new as-of date, not a re-evaluation
    if (a.state == AlertState::pending) {
      if (!cond) {
        emit(EventKind::resolved, a);
        free_alert(slot.alert);
        slot.alert = kNone;
        return;
      }
      if (counts) {
        ++a.streak;
        a.counted_eval = evaluation_index;
      }
      if (a.streak >= rule.for_periods + 1) {
        a.state = AlertState::firing;
        a.fired_on = a.changed_on = as_of;
        a.fired_eval = evaluation_index;
        emit(EventKind::fired, a);
      }
      return;
    }
    if (cleared) {
      emit(EventKind::resolved, a);
      free_alert(slot.alert);
      slot.alert = kNone;
      return;
    }
    if (counts) {
      a.streak = cond ? a.streak + 1 : a.streak;
      a.counted_eval = evaluation_index;
    }
    if (!cond) return;  // held open by `clear when`, but escalation needs the condition
    while (a.escalations_applied < static_cast<std::int32_t>(rule.escalations.size())) {
      const EscalationC& esc = rule.escalations[static_cast<std::size_t>(a.escalations_applied)];
      bool due = esc.after.unit == DurationUnit::periods
                     ? evaluation_index - a.fired_eval >= esc.after.amount
                     : at_least(a.fired_on, as_of, esc.after);
      if (!due) break;
      ++a.escalations_applied;
      bool news = false;
      if (!esc.to_route.empty() &&
          std::find(a.extra_routes.begin(), a.extra_routes.end(), esc.to_route) == a.extra_routes.end()) {
        a.extra_routes.push_back(esc.to_route);
        news = true;
      }
      if (esc.severity > a.severity) {
        a.severity = esc.severity;
        news = true;
      }
      if (news) {
        a.changed_on = as_of;
        emit(EventKind::escalated, a);
      }
    }
  }

  bool rule_dirty(const RuleC& rule) const {
    if (force_all) return true;
    for (std::uint32_t m : rule.program.reads)
      if (program.metrics[m].changed) return true;
    return false;
  }

  void eval_rule(std::uint32_t index) {
    RuleC& rule = program.rules[index];
    MetricC& driver = program.metrics[rule.program.driver];
    if (rule.slots.size() < driver.series.size()) rule.slots.resize(driver.series.size());
    if (!rule_dirty(rule)) {
      // Same data as before: conditions stand; only time moves (for, escalate after).
      if (!new_period) return;
      for (RuleSlot& slot : rule.slots) {
        if (slot.alert == kNone) continue;
        LiveAlert& a = alerts[slot.alert];
        step_rule_alert(index, slot, a.cond, rule.clear != kNone ? false : !a.cond, a.value);
      }
      return;
    }
    for (std::uint32_t sid : driver.current) {
      Ctx ctx = context_for(sid);
      RuleSlot& slot = rule.slots[series[sid].index_in_metric];
      bool cond = truthy(eval(rule.program, rule.when, ctx));
      if (cond && rule.unless != kNone && truthy(eval(rule.program, rule.unless, ctx))) cond = false;
      if (slot.alert == kNone && !cond) continue;
      double value = eval(rule.program, rule.value, ctx);
      if (slot.alert == kNone) {
        open_rule_alert(index, slot, sid, value);
        continue;
      }
      bool cleared = !cond;
      if (rule.clear != kNone && alerts[slot.alert].state == AlertState::firing)
        cleared = truthy(eval(rule.program, rule.clear, ctx));
      step_rule_alert(index, slot, cond, cleared, value);
    }
    // Entities gone from the data: their alerts resolve.
    for (RuleSlot& slot : rule.slots) {
      if (slot.alert == kNone || alerts[slot.alert].stamp == stamp) continue;
      emit(EventKind::resolved, alerts[slot.alert]);
      free_alert(slot.alert);
      slot.alert = kNone;
    }
  }

  // ---- evaluation ----

  Evaluation evaluate(Date date) {
    Evaluation out;
    out.as_of = date;
    if (!loaded) {
      out.ok = false;
      out.error = "no rules loaded";
      return out;
    }
    if (last_as_of && date < *last_as_of) {
      out.ok = false;
      out.error = "as-of date " + date.iso() + " is before the last evaluation (" + last_as_of->iso() + ")";
      return out;
    }
    as_of = date;
    new_period = !last_as_of || date > *last_as_of;
    if (new_period) ++evaluation_index;
    if (!first_as_of) first_as_of = date;
    ++stamp;
    events.clear();
    if (events.capacity() == 0 && !spare_storage.empty()) {
      events = std::move(spare_storage.back());
      spare_storage.pop_back();
    }
    events.reserve(last_event_count);
    event_labels.clear();
    if (!force_all && !new_period) {  // the same date again: only fresh samples change anything
      for (std::uint32_t i : changed_metrics) program.metrics[i].changed = false;
      changed_metrics.clear();
      for (std::uint32_t i : dirty_metrics) {
        MetricC& m = program.metrics[i];
        if (m.derived) continue;
        refresh_raw(m);
        if (m.changed) changed_metrics.push_back(i);
      }
    } else {
      changed_metrics.clear();
      for (std::uint32_t i = 0; i < program.metrics.size(); ++i) {
        MetricC& m = program.metrics[i];
        if (m.derived) continue;
        refresh_raw(m);
        if (m.changed) changed_metrics.push_back(i);
      }
    }
    dirty_metrics.clear();
    for (const DerivedC& d : program.derived) refresh_derived(d);
    eval_stale();
    std::size_t updated = 0;
    for (const ItemRef& item : program.order) {
      std::size_t from = events.size();
      bool in_label_order = false;
      if (item.kind == ItemKind::indicator) {
        in_label_order = eval_indicator(item.index);
        if (program.metrics[program.indicators[item.index].metric].changed)
          updated += program.metrics[program.indicators[item.index].metric].current.size();
      } else {
        eval_rule(item.index);
      }
      if (!in_label_order) order_events(from);
#ifndef NDEBUG
      for (std::size_t i = from + 1; i < events.size(); ++i)  // the debug builds check the claim
        assert(!labels_less(event_labels[i], event_labels[i - 1]));
#endif
    }
    last_as_of = date;
    force_all = false;
    last_event_count = events.size();
    out.events = std::move(events);
    events = {};
    out.indicator_values_updated = updated;
    return out;
  }

  // ---- views ----

  /// The metric's series in label order, rebuilt when series were added. Only non-const paths
  /// rebuild it (evaluate, import), so const readers never race on it; series added by ingest
  /// since the last evaluation are not in any snapshot yet and may be missing from it.
  const std::vector<std::uint32_t>& sorted_series(MetricC& m) {
    if (m.sorted_count != m.series.size()) {
      // Insertion keeps already-sorted prefixes cheap: only the new series are placed.
      std::vector<std::uint32_t> added(m.series.begin() + static_cast<std::ptrdiff_t>(m.sorted_count), m.series.end());
      auto less = [&](std::uint32_t a, std::uint32_t b) { return labels_less(series[a].labels, series[b].labels); };
      std::sort(added.begin(), added.end(), less);
      std::size_t middle = m.sorted.size();
      m.sorted.insert(m.sorted.end(), added.begin(), added.end());
      std::inplace_merge(m.sorted.begin(), m.sorted.begin() + static_cast<std::ptrdiff_t>(middle), m.sorted.end(), less);
      m.sorted_count = m.series.size();
    }
    return m.sorted;
  }

  Alert to_alert(const LiveAlert& a) const {
    Alert out;
    out.id = a.id;
    out.source = a.source;
    out.rule = alert_name(a);
    std::uint32_t ls = alert_labelset(a);
    if (ls != kNone) out.labels = labels_of(ls);
    out.state = a.state;
    out.severity = a.severity;
    out.value = a.value;
    out.unit = alert_unit(a);
    out.formatted_value = format_value(a.value, out.unit);
    out.message = alert_message(a, band_of(a), out.formatted_value);
    out.routes = alert_routes(a);
    out.since = a.since;
    out.fired_on = a.fired_on;
    out.changed_on = a.changed_on;
    out.last_seen = a.last_seen;
    return out;
  }

  std::size_t memory_bytes() const {
    std::size_t bytes = series.capacity() * sizeof(Series) + label_sets.bytes() +
                        strings.bytes() + alerts.size() * sizeof(LiveAlert);
    for (const Series& s : series) bytes += s.history.capacity() * sizeof(Point);
    for (const MetricC& m : program.metrics)
      bytes += m.series_by_labels.bytes() + (m.series.capacity() + m.current.capacity() + m.sorted.capacity()) * 4 +
               m.batch_dates.capacity() * sizeof(Date);
    for (const IndicatorC& ind : program.indicators) bytes += ind.slots.capacity() * sizeof(IndicatorSlot);
    for (const RuleC& rule : program.rules) bytes += rule.slots.capacity() * sizeof(RuleSlot);
    return bytes;
  }

  // ---- persistence ----

  std::uint32_t labelset_from(const Labels& labels, const MetricC* metric, bool& ok) {
    std::vector<Label> sorted = labels;
    std::sort(sorted.begin(), sorted.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
    std::vector<LabelPair> pairs;
    for (const Label& l : sorted) {
      if (l.value.empty()) continue;
      std::uint32_t name = strings.intern(l.name);
      if (metric && std::find(metric->labels.begin(), metric->labels.end(), name) == metric->labels.end()) ok = false;
      pairs.push_back({name, strings.intern(l.value)});
    }
    return label_sets.intern(pairs);
  }

  EngineState export_state() const {
    EngineState state;
    state.next_alert_id = next_alert_id;
    state.evaluation_index = evaluation_index;
    state.first_as_of = first_as_of;
    state.last_as_of = last_as_of;
    for (const Series& s : series) {
      if (s.history.empty()) continue;
      SeriesRecord r;
      r.metric = program.metrics[s.metric].name;
      r.labels = labels_of(s.labels);
      for (const Point& p : s.history) r.history.emplace_back(p.date, p.value);
      state.series.push_back(std::move(r));
    }
    std::vector<const LiveAlert*> live;
    alerts.for_each([&](const LiveAlert& a) {
      if (a.in_use) live.push_back(&a);
    });
    std::sort(live.begin(), live.end(), [](const LiveAlert* x, const LiveAlert* y) { return x->id < y->id; });
    for (const LiveAlert* a : live) {
      AlertRecord r;
      r.alert = to_alert(*a);
      r.streak = a->streak;
      r.opened_evaluation = a->opened_eval;
      r.fired_evaluation = a->fired_eval;
      r.escalations_applied = a->escalations_applied;
      state.alerts.push_back(std::move(r));
    }
    for (const IndicatorC& ind : program.indicators) {
      const MetricC& m = program.metrics[ind.metric];
      for (std::size_t i = 0; i < ind.slots.size() && i < m.series.size(); ++i) {
        if (!ind.slots[i].banded) continue;
        state.bands.push_back({ind.name, labels_of(series[m.series[i]].labels), ind.slots[i].band});
      }
    }
    return state;
  }

  void reset_state() {
    series.clear();
    alerts.clear();
    free_alerts.clear();
    for (MetricC& m : program.metrics) {
      m.series.clear();
      m.series_by_labels.clear();
      m.batch_dates.clear();
      m.current.clear();
      m.sorted.clear();
      m.sorted_count = 0;
      m.has_snapshot = false;
      m.dirty = true;
    }
    for (IndicatorC& ind : program.indicators) ind.slots.clear();
    for (RuleC& rule : program.rules) rule.slots.clear();
    for (StaleC& s : program.stale) s.alert = kNone;
    next_alert_id = 1;
    evaluation_index = 0;
    first_as_of.reset();
    last_as_of.reset();
    force_all = true;
  }

  std::vector<Diagnostic> import_state(const EngineState& state) {
    std::vector<Diagnostic> notes;
    auto warn = [&](std::string message) {
      notes.push_back(Diagnostic{"<state>", {}, Severity::warning, std::move(message)});
    };
    reset_state();
    next_alert_id = std::max<AlertId>(1, state.next_alert_id);
    evaluation_index = state.evaluation_index;
    first_as_of = state.first_as_of;
    last_as_of = state.last_as_of;
    for (const SeriesRecord& r : state.series) {
      auto it = program.metric_ids.find(r.metric);
      if (it == program.metric_ids.end()) {
        warn("series of unknown metric '" + r.metric + "' dropped");
        continue;
      }
      bool ok = true;
      std::uint32_t ls = labelset_from(r.labels, &program.metrics[it->second], ok);
      if (!ok) {
        warn("series of '" + r.metric + "' with labels the metric no longer has dropped");
        continue;
      }
      std::uint32_t sid = series_for(it->second, ls);
      for (const auto& [date, value] : r.history) {
        put_point(sid, date, value);
        add_batch_date(program.metrics[it->second], date);
      }
    }
    for (const BandRecord& b : state.bands) {
      auto it = program.indicator_ids.find(b.indicator);
      if (it == program.indicator_ids.end()) continue;
      IndicatorC& ind = program.indicators[it->second];
      bool ok = true;
      std::uint32_t ls = labelset_from(b.labels, &program.metrics[ind.metric], ok);
      if (!ok) continue;
      std::uint32_t sid = series_for(ind.metric, ls);
      auto& slots = ind.slots;
      if (slots.size() <= series[sid].index_in_metric) slots.resize(series[sid].index_in_metric + 1);
      slots[series[sid].index_in_metric].banded = true;
      slots[series[sid].index_in_metric].band = b.band;
    }
    for (const AlertRecord& r : state.alerts) {
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
        std::uint32_t ls = labelset_from(in.labels, &program.metrics[metric], ok);
        if (!ok) {
          warn("alert " + std::to_string(in.id) + " of '" + in.rule + "' has labels its rule no longer has; dropped");
          continue;
        }
        sid = series_for(metric, ls);
      }
      std::uint32_t slot = new_alert();
      LiveAlert& a = alerts[slot];
      a.id = in.id;
      a.source = in.source;
      a.owner = owner;
      a.series = sid;
      a.state = in.state;
      a.severity = in.severity == ast::Colour::green ? ast::Colour::amber : in.severity;
      a.streak = r.streak;
      a.opened_eval = r.opened_evaluation;
      a.fired_eval = r.fired_evaluation;
      a.counted_eval = evaluation_index;
      a.escalations_applied = r.escalations_applied;
      a.since = in.since;
      a.fired_on = in.fired_on;
      a.changed_on = in.changed_on;
      a.last_seen = in.last_seen;
      a.value = in.value;
      a.cond = true;
      const std::vector<std::string>& declared = declared_routes(in.source, owner);
      for (const std::string& route : in.routes)
        if (std::find(declared.begin(), declared.end(), route) == declared.end()) a.extra_routes.push_back(route);
      if (in.source == AlertSource::rule) {
        RuleC& rule = program.rules[owner];
        std::uint32_t idx = series[sid].index_in_metric;
        if (rule.slots.size() <= idx) rule.slots.resize(idx + 1);
        if (rule.slots[idx].alert != kNone) {
          free_alert(slot);
          continue;
        }
        rule.slots[idx].alert = slot;
        if (a.escalations_applied > static_cast<std::int32_t>(rule.escalations.size()))
          a.escalations_applied = static_cast<std::int32_t>(rule.escalations.size());
      } else if (in.source == AlertSource::indicator) {
        IndicatorC& ind = program.indicators[owner];
        std::uint32_t idx = series[sid].index_in_metric;
        if (ind.slots.size() <= idx) ind.slots.resize(idx + 1);
        if (ind.slots[idx].alert != kNone) {
          free_alert(slot);
          continue;
        }
        ind.slots[idx].alert = slot;
      } else {
        if (program.stale[owner].alert != kNone) {
          free_alert(slot);
          continue;
        }
        program.stale[owner].alert = slot;
      }
      next_alert_id = std::max(next_alert_id, a.id + 1);
    }
    for (MetricC& m : program.metrics) sorted_series(m);
    return notes;
  }
};

// ---- Engine ----

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

LoadResult Engine::load(const std::vector<ast::File>& files) {
  auto impl = std::make_unique<Impl>();
  LoadResult result;
  result.diagnostics = compile(files, impl->strings, impl->program);
  if (!result.ok()) {
    impl_ = std::make_unique<Impl>();
    return result;
  }
  impl->loaded = true;
  impl_ = std::move(impl);
  return result;
}

LoadResult Engine::reload(const std::vector<ast::File>& files, std::vector<Event>* resolved) {
  auto impl = std::make_unique<Impl>();
  LoadResult result;
  result.diagnostics = compile(files, impl->strings, impl->program);
  if (!result.ok()) return result;
  impl->loaded = true;
  if (impl_->loaded) {
    EngineState state = impl_->export_state();
    if (resolved) {
      // Alerts whose rule or indicator is gone close now, so subscribers see them end.
      for (std::size_t i = 0; i < impl_->alerts.size(); ++i) {
        const LiveAlert& a = impl_->alerts[i];
        if (!a.in_use) continue;
        const std::string& name = impl_->alert_name(a);
        bool exists = a.source == AlertSource::rule        ? impl->program.rule_ids.count(name) > 0
                      : a.source == AlertSource::indicator ? impl->program.indicator_ids.count(name) > 0
                                                           : impl->program.stale_ids.count(name) > 0;
        if (exists) continue;
        impl_->as_of = impl_->last_as_of.value_or(Date{});
        impl_->events.clear();
        impl_->event_labels.clear();
        impl_->emit(EventKind::resolved, a);
        resolved->push_back(std::move(impl_->events.back()));
      }
    }
    for (Diagnostic& d : impl->import_state(state)) result.diagnostics.push_back(std::move(d));
  }
  impl_ = std::move(impl);
  return result;
}

bool Engine::loaded() const { return impl_->loaded; }

std::optional<Engine::MetricId> Engine::metric_id(std::string_view name) const {
  auto it = impl_->program.metric_ids.find(name);
  if (it == impl_->program.metric_ids.end() || impl_->program.metrics[it->second].anonymous) return std::nullopt;
  return it->second;
}

std::vector<std::string> Engine::metric_labels(std::string_view name) const {
  std::vector<std::string> out;
  auto it = impl_->program.metric_ids.find(name);
  if (it == impl_->program.metric_ids.end()) return out;
  for (std::string_view label : impl_->program.metrics[it->second].label_strings) out.emplace_back(label);
  return out;
}

IngestStatus Engine::ingest(const Sample& sample) {
  if (!impl_->loaded) return IngestStatus::no_program;
  std::optional<MetricId> id = metric_id(sample.metric);
  if (!id) return IngestStatus::unknown_metric;
  return impl_->ingest(*id, sample.labels, sample.value, sample.as_of);
}

IngestStatus Engine::ingest(MetricId metric, std::span<const LabelView> labels, double value, Date as_of) {
  return impl_->ingest(metric, labels, value, as_of);
}

Evaluation Engine::evaluate(Date as_of) { return impl_->evaluate(as_of); }

void Engine::recycle(std::vector<Event>&& spent) {
  Impl& impl = *impl_;
  if (spent.empty()) {
    if (spent.capacity() && impl.spare_storage.size() < Impl::kMostSpareStorage) impl.spare_storage.push_back(std::move(spent));
  } else if (impl.spare_count + spent.size() <= Impl::kMostSpareEvents) {
    impl.spare_count += spent.size();
    impl.spare_events.push_back(std::move(spent));
  }
  spent = {};
}

std::vector<Alert> Engine::open_alerts(bool include_pending) const {
  std::vector<Alert> out;
  impl_->alerts.for_each([&](const LiveAlert& a) {
    if (a.in_use && (include_pending || a.state == AlertState::firing)) out.push_back(impl_->to_alert(a));
  });
  std::sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) { return x.id < y.id; });
  return out;
}

std::size_t Engine::open_alert_count(bool include_pending) const {
  std::size_t n = 0;
  impl_->alerts.for_each([&](const LiveAlert& a) { n += a.in_use && (include_pending || a.state == AlertState::firing); });
  return n;
}

void Engine::for_each_indicator_value(const std::function<void(const IndicatorValueView&)>& visit) const {
  const Impl& impl = *impl_;
  std::vector<LabelView> labels;
  for (const ItemRef& item : impl.program.order) {
    if (item.kind != ItemKind::indicator) continue;
    const IndicatorC& ind = impl.program.indicators[item.index];
    const MetricC& m = impl.program.metrics[ind.metric];
    for (std::uint32_t sid : m.sorted) {
      const Series& s = impl.series[sid];
      if (s.index_in_metric >= ind.slots.size()) continue;
      const IndicatorSlot& slot = ind.slots[s.index_in_metric];
      if (!slot.has) continue;
      labels.clear();
      for (const LabelPair& p : impl.label_sets.get(s.labels))
        labels.push_back({impl.strings.str(p.name), impl.strings.str(p.value)});
      IndicatorValueView view;
      view.indicator = ind.name;
      view.labels = labels;
      view.value = slot.value;
      view.raw_value = slot.raw;
      view.unit = ind.unit;
      view.band = slot.band;
      view.trend = slot.trend;
      view.date = slot.date;
      view.updated = slot.stamp == impl.stamp;
      if (slot.band_set != kNone) view.target = ind.band_sets[slot.band_set].target;
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
    out.push_back(std::move(value));
  });
  return out;
}

std::vector<IndicatorInfo> Engine::indicators() const {
  std::vector<IndicatorInfo> out;
  for (const ItemRef& item : impl_->program.order) {
    if (item.kind != ItemKind::indicator) continue;
    const IndicatorC& ind = impl_->program.indicators[item.index];
    out.push_back({ind.name, ind.title, ind.group, ind.unit, ind.better, ind.frame});
  }
  return out;
}

std::vector<MetricValue> Engine::metric_values(std::string_view name) const {
  std::vector<MetricValue> out;
  auto it = impl_->program.metric_ids.find(name);
  if (it == impl_->program.metric_ids.end()) return out;
  const MetricC& m = impl_->program.metrics[it->second];
  if (!m.has_snapshot) return out;
  for (std::uint32_t sid : m.sorted) {
    const Point* p = impl_->series[sid].at(m.snapshot);
    if (!p) continue;
    out.push_back({impl_->labels_of(impl_->series[sid].labels), p->value, m.unit, p->date});
  }
  return out;
}

EngineState Engine::export_state() const { return impl_->export_state(); }

std::vector<Diagnostic> Engine::import_state(const EngineState& state) {
  if (!impl_->loaded) return {Diagnostic{"<state>", {}, Severity::error, "no rules loaded"}};
  return impl_->import_state(state);
}

std::optional<Date> Engine::last_as_of() const { return impl_->last_as_of; }
std::size_t Engine::series_count() const { return impl_->series.size(); }
std::size_t Engine::memory_bytes() const { return impl_->memory_bytes(); }

}  // namespace bandwatch::engine
