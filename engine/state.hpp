// Private to engine/: what an engine knows beyond its program. The series store (every series
// and its bounded history, interned labels, each metric's returns), the live alerts, and the
// per-rule and per-indicator slots that tie series to alerts. A State is only meaningful with
// the Program it was built for; a reload migrates it to the new program (persistence.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "pools.hpp"
#include "program.hpp"

namespace bandwatch::engine::detail {

/// One figure of a series. `batch` is the batch that wrote it (Engine::begin_batch), so a
/// second sample for the same series and date in one batch is told from a later correction; it
/// fills what would be padding.
struct Point {
  Date date;
  std::uint32_t batch = 0;
  double value = 0;
};

/// One series: a metric and a label set, with its bounded history, oldest first.
struct Series {
  std::uint32_t metric = 0;
  std::uint32_t labels = 0;
  std::uint32_t index_in_metric = 0;  // dense per metric: indexes per-rule and per-indicator slots
  std::vector<Point> history;

  const Point* at(Date date) const {
    for (std::size_t i = history.size(); i-- > 0;) {
      if (history[i].date == date) return &history[i];
      if (history[i].date < date) return nullptr;
    }
    return nullptr;
  }
};

/// A metric's series and returns. A return is the set of a metric's samples dated one day; the
/// snapshot is the return the last evaluation read.
struct MetricState {
  std::vector<std::uint32_t> series;    // by index_in_metric
  // label set -> series id, one table per metric: extracts send a metric's series in a run, and
  // a small table stays in cache for the run where one table of every series would miss on each.
  U64Map series_by_labels;
  std::vector<Date> return_dates;       // distinct dates with data, sorted, bounded
  bool has_snapshot = false;
  Date snapshot;                        // the return the last evaluation read: decided
  bool direct = false;                  // derived, but read from samples sent for it
  bool changed = false;                 // decided again by this evaluation: a new return, or
                                        // everything re-decided (State::force_all)
  bool new_return = false;              // this evaluation reads a newer return than the last
  std::vector<std::uint32_t> current;   // series ids in the snapshot, in label order
  std::vector<std::uint32_t> sorted;    // series ids in label order (all series)
  std::size_t sorted_count = 0;         // series count when `sorted` was built
  // Figures of a percent metric seen so far: in (0, 1), as Excel's fractions are, and over 1,
  // as percentage points are. A figure of one kind where the metric holds the other is doubted.
  std::uint32_t fractions = 0, over_one = 0;
  // The index_in_metric after the series last sent: an extract lists the same entities in the
  // same order every return, so the next sample is usually that series (checked, never assumed).
  std::uint32_t next_series = 0;
};

struct IndicatorSlot {
  bool has = false;          // a current value
  bool banded = false;       // `band` holds a previous classification
  Band band = Band::green;
  Trend trend = Trend::none;
  // The places `value` is shown with (shown_places), when the last evaluation worked them out
  // (-1: it did not): the next one shows its figure with them for the trend, and its events
  // print it with them. Not kept in the state's export: worked out again after a reload or
  // restart, so they never outlive the program they were worked out under. (Here, in room the
  // members above leave.)
  std::int8_t shown_places = -1;
  double value = 0, raw = 0;
  Date date;
  std::uint32_t band_set = kNone;
  std::uint32_t alert = kNone;
  // The evaluation that last classified this slot: it was updated by the latest one when equal
  // to the state's stamp, so an evaluation never has to touch the slots of unchanged metrics.
  std::uint32_t stamp = kNone;
};

/// A live alert: pending (its condition has not yet held for the returns `for` asks) or firing.
struct LiveAlert {
  bool in_use = false;
  AlertId id = 0;
  AlertSource source = AlertSource::rule;
  std::uint32_t owner = 0;           // rule, indicator or stale index
  std::uint32_t series = kNone;      // the driver series (kNone: a stale alert)
  AlertState state = AlertState::firing;
  ast::Colour severity = ast::Colour::amber;
  std::int64_t streak = 0;           // consecutive returns its condition held (pending)
  std::int64_t returns_since_fired = 0;
  std::uint32_t escalations_done = 0;  // bit i: the rule's escalation i (by returns or time) applied
  Date decided;                      // data date of the last return that decided it
  Date fired_data;                   // data date of the return it fired on
  Date since, fired_on, changed_on, last_seen;  // evaluation dates
  double value = 0;
  bool cond = false;
  std::uint32_t stamp = 0;
  std::vector<std::string> extra_routes;  // `to` routes added by escalations
};

/// Every live alert, in slots that never move; ids come from a counter so replaying the same
/// inputs gives the same ids.
struct AlertTable {
  ChunkedVector<LiveAlert> slots;
  std::vector<std::uint32_t> free;
  AlertId next_id = 1;

  std::uint32_t open() {
    std::uint32_t slot;
    if (!free.empty()) {
      slot = free.back();
      free.pop_back();
      slots[slot] = LiveAlert{};
    } else {
      slot = static_cast<std::uint32_t>(slots.size());
      slots.emplace_back();
    }
    slots[slot].in_use = true;
    return slot;
  }
  void close(std::uint32_t slot) {
    slots[slot].in_use = false;
    slots[slot].extra_routes.clear();
    free.push_back(slot);
  }
  LiveAlert& operator[](std::uint32_t slot) { return slots[slot]; }
  const LiveAlert& operator[](std::uint32_t slot) const { return slots[slot]; }
};

/// What ingest decided about one sample, before Engine turns it into an IngestResult.
struct Stored {
  IngestStatus status = IngestStatus::ok;
  double previous = 0;
};

/// The series store: every series with its history, and each metric's returns.
class SeriesStore {
 public:
  explicit SeriesStore(const Program& program);

  StringPool strings;        // starts as a copy of the program's names: the same ids
  LabelSetPool label_sets;
  std::vector<Series> series;
  std::vector<MetricState> metrics;  // by metric id
  std::uint32_t batch = 1;           // the batch samples are being stored for

  /// Stores one sample; see Engine::ingest for the contract.
  Stored ingest(std::uint32_t metric, std::span<const LabelView> labels, double value, Date date);

  std::uint32_t find_series(std::uint32_t metric, std::uint32_t labels) const {
    return metrics[metric].series_by_labels.find(labels);
  }
  /// The series of `metric` with `labels`, created when new.
  std::uint32_t series_for(std::uint32_t metric, std::uint32_t labels);
  /// Writes a figure into a series' history (derived metrics, restores). Replaces a figure of
  /// the same date.
  void put_point(std::uint32_t series, Date date, double value);
  /// Records that `metric` has figures dated `date`.
  void add_return_date(std::uint32_t metric, Date date);
  /// The value of a series in its metric's snapshot, or missing.
  double current_value(std::uint32_t series) const;
  /// The metric's series in label order, rebuilt when series were added.
  const std::vector<std::uint32_t>& sorted_series(std::uint32_t metric);

  bool labels_less(std::uint32_t x, std::uint32_t y) const;
  /// Whether `labelset` is the one `pairs` (names set, values not yet interned) and the sorted
  /// `views` they were made from would intern to.
  bool same_labels(std::uint32_t labelset, std::span<const LabelPair> pairs, std::span<const LabelView> views) const;
  Labels labels_of(std::uint32_t labelset) const;
  /// Into `out`, reusing its strings' memory (recycled events).
  void assign_labels(std::uint32_t labelset, Labels& out) const;
  std::size_t memory_bytes() const;

 private:
  const Program* program_;
  std::vector<LabelView> views_scratch_;
  std::vector<LabelPair> pairs_scratch_;
};

/// The engine's whole state for one program.
struct State {
  explicit State(const Program& program)
      : store(program), indicator_slots(program.indicators.size()), rule_slots(program.rules.size()),
        stale_alerts(program.stale.size(), kNone) {}

  SeriesStore store;
  AlertTable alerts;
  std::vector<std::vector<IndicatorSlot>> indicator_slots;  // [indicator][series index_in_metric]
  std::vector<std::vector<std::uint32_t>> rule_slots;       // [rule][series index_in_metric]: alert slot
  std::vector<std::uint32_t> stale_alerts;                  // [stale]: alert slot
  std::int64_t evaluation_index = 0;                        // dates closed so far
  std::optional<Date> first_as_of, last_as_of;
  std::uint32_t stamp = 0;       // evaluations so far (IndicatorSlot::stamp, LiveAlert::stamp)
  std::size_t last_event_count = 0;  // events of the last evaluation: the next reserves as many
  bool force_all = true;         // the next evaluation re-decides everything on the data it
                                 // has (the first, after a restore or a reload)
};

}  // namespace bandwatch::engine::detail
