// The series store: ingest of samples into series histories, each metric's return dates, and
// the label-ordered views evaluations and reports read.
#include <algorithm>
#include <cmath>

#include "state.hpp"

namespace bandwatch::engine::detail {
namespace {

template <typename T, typename DateOf>
void prune(std::vector<T>& items, std::int32_t keep_points, std::int32_t keep_days, DateOf date_of) {
  if (items.size() <= static_cast<std::size_t>(keep_points)) return;
  std::int32_t newest = date_of(items.back()).days_since_epoch;
  std::size_t drop = 0;
  while (items.size() - drop > static_cast<std::size_t>(keep_points) &&
         date_of(items[drop + 1]).days_since_epoch <= newest - keep_days)
    ++drop;
  if (drop) items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(drop));
}

}  // namespace

SeriesStore::SeriesStore(const Program& program)
    : strings(program.names), metrics(program.metrics.size()), program_(&program) {}

std::uint32_t SeriesStore::series_for(std::uint32_t metric, std::uint32_t labels) {
  std::uint32_t id = find_series(metric, labels);
  if (id != kNone) return id;
  id = static_cast<std::uint32_t>(series.size());
  MetricState& m = metrics[metric];
  const MetricDef& def = program_->metrics[metric];
  Series s;
  s.metric = metric;
  s.labels = labels;
  s.index_in_metric = static_cast<std::uint32_t>(m.series.size());
  if (def.keep_days == 0) s.history.reserve(static_cast<std::size_t>(def.keep_points) + 1);  // one allocation for life
  series.push_back(std::move(s));
  m.series.push_back(id);
  m.series_by_labels.insert(labels, id);
  return id;
}

void SeriesStore::put_point(std::uint32_t sid, Date date, double value) {
  Series& s = series[sid];
  auto& h = s.history;
  if (h.empty() || h.back().date < date) {
    h.push_back({date, batch, value});
  } else if (h.back().date == date) {
    h.back() = {date, batch, value};
    return;
  } else {
    auto it = std::lower_bound(h.begin(), h.end(), date, [](const Point& p, Date d) { return p.date < d; });
    if (it != h.end() && it->date == date) {
      *it = {date, batch, value};
      return;
    }
    h.insert(it, {date, batch, value});
  }
  const MetricDef& def = program_->metrics[s.metric];
  prune(h, def.keep_points, def.keep_days, [](const Point& p) { return p.date; });
}

void SeriesStore::add_return_date(std::uint32_t metric, Date date) {
  auto& d = metrics[metric].return_dates;
  if (d.empty() || d.back() < date) d.push_back(date);
  else if (d.back() == date) return;
  else {
    auto it = std::lower_bound(d.begin(), d.end(), date);
    if (it != d.end() && *it == date) return;
    d.insert(it, date);
  }
  // Keep generously more dates than points: a date is cheap and the snapshot must find it.
  const MetricDef& def = program_->metrics[metric];
  if (d.size() > static_cast<std::size_t>(def.keep_points) + 8)
    prune(d, def.keep_points + 8, def.keep_days, [](Date x) { return x; });
}

Stored SeriesStore::ingest(std::uint32_t metric_id, std::span<const LabelView> labels, double value, Date date) {
  if (metric_id >= metrics.size()) return {IngestStatus::unknown_metric};
  const MetricDef& def = program_->metrics[metric_id];
  MetricState& m = metrics[metric_id];
  if (!std::isfinite(value)) return {IngestStatus::not_a_number};
  if (m.has_snapshot && date <= m.snapshot) return {IngestStatus::date_decided};
  auto& views = views_scratch_;
  views.clear();
  views.assign(labels.begin(), labels.end());
  for (std::size_t i = 1; i < views.size(); ++i)  // insertion sort: a handful of labels
    for (std::size_t j = i; j > 0 && views[j].name < views[j - 1].name; --j) std::swap(views[j], views[j - 1]);
  auto& pairs = pairs_scratch_;
  pairs.clear();
  std::size_t j = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (i > 0 && views[i].name == views[i - 1].name) return {IngestStatus::duplicate_label};
    while (j < def.label_strings.size() && def.label_strings[j] < views[i].name) ++j;
    if (j == def.label_strings.size() || def.label_strings[j] != views[i].name) return {IngestStatus::unknown_label};
    // An empty value is given and means "none": the series carries no such label.
    if (!views[i].value.empty()) pairs.push_back({def.labels[j], kNone});  // its value's id below
  }
  // Every label name matched a distinct declared one, so a shortfall in count is a missing label.
  if (views.size() != def.label_strings.size()) return {IngestStatus::missing_label};

  std::uint32_t sid = kNone;
  if (m.next_series < m.series.size() && same_labels(series[m.series[m.next_series]].labels, pairs, views))
    sid = m.series[m.next_series];  // as the lookups below would find, without them
  if (sid == kNone) {
    std::size_t p = 0;
    for (const LabelView& view : views)
      if (!view.value.empty()) pairs[p++].value = strings.intern(view.value);
    sid = series_for(metric_id, label_sets.intern(pairs));
  }
  m.next_series = series[sid].index_in_metric + 1;
  Stored stored;
  const std::vector<Point>& h = series[sid].history;
  if (!h.empty() && h.back().date >= date) {
    if (const Point* held = series[sid].at(date)) {
      if (held->batch == batch) return {IngestStatus::duplicate_sample, held->value};
      if (held->value != value) stored = {IngestStatus::replaced, held->value};
    }
  }
  if (def.unit == ast::Unit::percent) {
    // Doubted, never refused: 0.5% is a real figure. A fraction is doubted unless the metric's
    // figures so far are as often fractions as over 1 (a metric of small percentages); a figure
    // over 1 is doubted where the metric has only ever had fractions.
    if (value > 0 && value < 1) {
      if (stored.status == IngestStatus::ok && (m.fractions < m.over_one || m.over_one == 0))
        stored.status = IngestStatus::looks_like_fraction;
      ++m.fractions;
    } else if (value > 1) {
      if (stored.status == IngestStatus::ok && m.over_one == 0 && m.fractions >= 3)
        stored.status = IngestStatus::looks_like_percent;
      ++m.over_one;
    }
  }
  put_point(sid, date, value);
  add_return_date(metric_id, date);
  return stored;
}

double SeriesStore::current_value(std::uint32_t sid) const {
  const Series& s = series[sid];
  const MetricState& m = metrics[s.metric];
  if (!m.has_snapshot) return kMissing;
  const Point* p = s.at(m.snapshot);
  return p ? p->value : kMissing;
}

bool SeriesStore::labels_less(std::uint32_t x, std::uint32_t y) const {
  if (x == y || x == kNone || y == kNone) return false;
  std::span<const LabelPair> a = label_sets.get(x), b = label_sets.get(y);
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].name != b[i].name) return strings.str(a[i].name) < strings.str(b[i].name);
    if (a[i].value != b[i].value) return strings.str(a[i].value) < strings.str(b[i].value);
  }
  return a.size() < b.size();
}

bool SeriesStore::same_labels(std::uint32_t labelset, std::span<const LabelPair> pairs,
                              std::span<const LabelView> views) const {
  std::span<const LabelPair> have = label_sets.get(labelset);
  if (have.size() != pairs.size()) return false;
  std::size_t p = 0;
  for (const LabelView& view : views) {
    if (view.value.empty()) continue;
    if (have[p].name != pairs[p].name || strings.str(have[p].value) != view.value) return false;
    ++p;
  }
  return true;
}

const std::vector<std::uint32_t>& SeriesStore::sorted_series(std::uint32_t metric) {
  MetricState& m = metrics[metric];
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

Labels SeriesStore::labels_of(std::uint32_t labelset) const {
  Labels out;
  assign_labels(labelset, out);
  return out;
}

void SeriesStore::assign_labels(std::uint32_t labelset, Labels& out) const {
  if (labelset == kNone) return out.clear();
  std::span<const LabelPair> pairs = label_sets.get(labelset);
  out.resize(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    out[i].name = strings.str(pairs[i].name);
    out[i].value = strings.str(pairs[i].value);
  }
}

std::size_t SeriesStore::memory_bytes() const {
  std::size_t bytes = series.capacity() * sizeof(Series) + label_sets.bytes() + strings.bytes();
  for (const Series& s : series) bytes += s.history.capacity() * sizeof(Point);
  for (const MetricState& m : metrics)
    bytes += m.series_by_labels.bytes() + (m.series.capacity() + m.current.capacity() + m.sorted.capacity()) * 4 +
             m.return_dates.capacity() * sizeof(Date);
  return bytes;
}

}  // namespace bandwatch::engine::detail
