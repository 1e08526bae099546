// The bandwatch engine: compiles checked rules files into an executable program, keeps the
// series store, classifies indicator values into bands and runs every rule and indicator through
// the alert lifecycle. Pure and deterministic: no I/O, no clocks, no logging, no exceptions
// across this API. The same rules, samples and as-of dates always yield the same events in the
// same order.
//
// Thread safety: an Engine is not internally synchronised. Drive it from one thread; const
// member functions may run concurrently with each other but not with a non-const one.
//
// Typical use (what `bandwatch eval` and the daemon do):
//
//     Engine engine;
//     LoadResult loaded = engine.load(files);          // files: parsed ast::File; load checks them
//     if (!loaded.ok()) { /* print loaded.diagnostics */ }
//     engine.begin_batch();                             // each batch of samples...
//     engine.ingest({"caseload", labels, 22, as_of});   // ...every sample of it
//     Evaluation evaluation = engine.evaluate(as_of);   // closes the date: its events
//
// Meanings (see docs/language.md "Returns, periods and dates", and engine/README.md):
// - A metric's samples dated one day form its return for that day: the complete list of its
//   entities then. Samples for one date may arrive in any number of batches; they add up, and
//   nothing is decided until the date is closed by evaluate(). Evaluating at date D reads each
//   metric from its latest return dated on or before D, so an entity missing from a newer
//   return has vanished: it drops out of counts and averages, and its alerts resolve. A metric
//   with no new return is not re-decided at all.
// - A return, once read by an evaluation, is decided: a later sample dated on or before it is
//   refused (IngestStatus::date_decided), so an alert changes only on new evidence.
// - `for N periods|returns` and `escalate ... after N periods|returns` count the returns of the
//   rule's own inputs, not evaluations; calendar escalations (`after 3 months`) measure the time
//   between the data an alert fired on and the data now, so stale figures never escalate.
// - A derived metric (`metric x = ...`) may also be sent directly, as figures a report already
//   aggregates: a return of its own dated no earlier than its inputs' data is read instead of
//   the computation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::engine {

/// A label of a series: `worker="W0412"`.
struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};
/// Labels of a series or alert, always sorted by name (names are unique).
using Labels = std::vector<Label>;

/// A borrowed label, for ingesting without copying.
struct LabelView {
  std::string_view name;
  std::string_view value;
};

/// One metric sample, borrowed: the engine copies what it keeps before `ingest` returns.
/// `labels` may come in any order.
struct Sample {
  std::string_view metric;
  std::span<const LabelView> labels;
  double value = 0;
  Date as_of;
};

/// What `ingest` did with a sample. The first group is accepted (the last three with a doubt
/// the sender must hear of); the rest are refused, and a refusal never affects other samples.
enum class IngestStatus : std::uint8_t {
  ok,
  replaced,           // accepted: replaces a different figure an earlier batch sent for the
                      // same series and date (IngestResult::previous)
  looks_like_fraction,  // accepted: a percent metric's figure in (0, 1), as Excel writes 12.5%
                        // as 0.125, where the metric's figures are percentage points
  looks_like_percent,   // accepted: a figure over 1 where the percent metric's figures have
                        // been fractions in (0, 1)
  unknown_metric,     // no metric, indicator or extract sample of that name
  unknown_label,      // the metric does not declare that label
  missing_label,      // a label the metric declares is not given (an empty value "" is given:
                      // it means "none", as an unallocated child's worker="")
  duplicate_label,    // the same label twice in one sample
  duplicate_sample,   // a second figure for the same series and date in one batch
  date_decided,       // dated on or before the metric's decided return: it cannot change it
  not_a_number,       // NaN or infinite value
  no_program,         // nothing loaded
};
std::string_view to_string(IngestStatus status);
/// True for the statuses under which the sample was stored.
constexpr bool is_accepted(IngestStatus status) { return status <= IngestStatus::looks_like_percent; }

struct IngestResult {
  IngestStatus status = IngestStatus::ok;
  double previous = 0;  // replaced: the figure it replaced
  bool accepted() const { return is_accepted(status); }
};

/// The class an indicator value falls in. green/amber/red are bands; `unbanded` means the value
/// is in none of the bands in force (never silently green); `small_cohort` means the cohort
/// metric is under its minimum, so the value is shown but never alerts or escalates.
enum class Band : std::uint8_t { green, amber, red, unbanded, small_cohort };
std::string_view to_string(Band band);

/// Short trend against the previous value of the same series, read with the indicator's `better`:
/// `none` when there is no previous value or no `better`.
enum class Trend : std::uint8_t { none, improving, declining, unchanged };
std::string_view to_string(Trend trend);

enum class EventKind : std::uint8_t {
  pending,       // a rule's condition holds but its `for N periods` is not yet met
  fired,         // an alert opened (rule condition met; indicator entered amber or red)
  escalated,     // severity raised (escalate ... after; indicator amber -> red)
  de_escalated,  // severity lowered (indicator red -> amber)
  resolved,      // the alert closed (condition gone / `clear when` met / green / entity gone /
                 // fresh data after stale / rule removed by a reload)
  unbanded,      // an indicator value entered no band: not an alert itself (alert_id 0, or the id
                 // of the series' open alert, which it leaves as it is)
  stale,         // `expect every` passed without data: a stale alert opened
};
/// "pending", "fired", "escalated", "de-escalated", "resolved", "unbanded", "stale".
std::string_view to_string(EventKind kind);

/// What opened an alert. Rules and indicators share one namespace of names; stale alerts are
/// named after the metric, indicator or extract whose data stopped.
enum class AlertSource : std::uint8_t { rule, indicator, stale };
std::string_view to_string(AlertSource source);

enum class AlertState : std::uint8_t { pending, firing };

/// Stable for the alert's whole life, across reloads and (through export/import) restarts.
/// Allocated from a counter kept in the engine state, so replaying the same inputs gives the
/// same ids. 0 is never an alert.
using AlertId = std::uint64_t;

struct Event {
  EventKind kind = EventKind::fired;
  AlertId alert_id = 0;
  AlertSource source = AlertSource::rule;
  std::string rule;  // rule or indicator name (stale: metric / indicator / extract name)
  Labels labels;
  ast::Colour severity = ast::Colour::amber;  // amber or red (resolved: the last severity)
  double value = 0;            // `{value}`: the left side of the rule's `when` comparison,
                               // the indicator's (rounded) value; stale: days without data
  ast::Unit unit = ast::Unit::none;
  std::string formatted_value;  // in its unit: "22", "96.6%", "£7.711m"
  std::string message;          // the rule's message with placeholders filled, or a default
  std::vector<std::string> routes;  // declared routes, then `to` routes of escalations so far
  Date as_of;                   // the evaluation that produced it
  Date since;                   // when the alert opened (pending or fired)
};

/// A live alert: pending (waiting for `for`) or firing.
struct Alert {
  AlertId id = 0;
  AlertSource source = AlertSource::rule;
  std::string rule;
  Labels labels;
  AlertState state = AlertState::firing;
  ast::Colour severity = ast::Colour::amber;
  double value = 0;
  ast::Unit unit = ast::Unit::none;
  std::string formatted_value;
  std::string message;
  std::vector<std::string> routes;
  Date since;        // opened (pending or fired)
  Date fired_on;     // entered firing (== since without `for`)
  Date changed_on;   // last severity change
  Date last_seen;    // last evaluation that confirmed it
};

/// An indicator's current value for one label set, borrowed from the engine: valid until the
/// next non-const call.
struct IndicatorValueView {
  std::string_view indicator;
  std::span<const LabelView> labels;  // sorted by name
  double value = 0;        // as classified: rounded when the indicator has `round`
  double raw_value = 0;    // as computed from samples
  ast::Unit unit = ast::Unit::none;
  Band band = Band::unbanded;
  Trend trend = Trend::none;
  Date date;               // the as-of date of the sample the value comes from
  bool updated = false;    // classified afresh by the last evaluation (its data changed)
  std::string_view target; // the bands in force, as written: "green >= 95%, amber 90% .. 94%, red <= 89%"
  std::optional<std::size_t> band_set;  // index in IndicatorInfo::band_sets of the bands in force
};

/// The same, owned.
struct IndicatorValue {
  std::string indicator;
  Labels labels;
  double value = 0;
  double raw_value = 0;
  ast::Unit unit = ast::Unit::none;
  Band band = Band::unbanded;
  Trend trend = Trend::none;
  Date date;
  bool updated = false;
  std::string target;
  std::optional<std::size_t> band_set;
};

/// A metric's value for one label set at the last evaluation (plain or derived metrics).
struct MetricValue {
  Labels labels;
  double value = 0;
  ast::Unit unit = ast::Unit::none;
  Date date;  // the as-of date of the snapshot it comes from
};

/// One band of a set, as data: `amber 90% .. 94%` is lower 90 (inclusive), upper 94
/// (inclusive); a missing bound is unbounded.
struct BandInfo {
  ast::Colour colour = ast::Colour::green;
  std::optional<double> lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
  bool contains(double value) const;
};

/// A set of bands as data, in the order they are tried (first match wins).
struct BandSetInfo {
  std::vector<BandInfo> bands;
  std::optional<Date> from;  // in force from this date (`bands from 2017-04-01`)
  std::string where;         // the scope as written (`team_kind in ("assessment")`), or empty
  std::string target;        // as written: "green >= 95%, amber 90% .. 94%, red <= 89%"
};

/// Static facts about an indicator, for reports.
struct IndicatorInfo {
  std::string name;
  std::string title;  // the name when no title
  std::string group;
  ast::Unit unit = ast::Unit::none;
  ast::Better better = ast::Better::unspecified;
  ast::Frame frame = ast::Frame::unspecified;
  int round = -1;                      // decimal places it is classified at; -1: as computed
  std::vector<std::string> routes;
  std::vector<BandSetInfo> band_sets;  // in priority order (IndicatorValue::band_set indexes it)
  int decimals = -1;                   // places shown (`decimals`, else `round`); -1: the unit's usual
};

/// Something an evaluation could not decide and says so: a rule whose look-back found no figure
/// for its comparison ("no figure of looked_after_children within 31 days of 2019-03-31").
struct EvaluationNote {
  std::string rule;
  Labels labels;
  std::string message;
};

/// What one evaluation produced.
struct Evaluation {
  Date as_of;
  bool ok = true;       // false: refused (as_of not after the last evaluation, or no program)
  std::string error;    // why it was refused
  std::vector<Event> events;  // ordered: stale, then indicators and rules in source order,
                              // each by label set
  std::vector<EvaluationNote> notes;  // at most kMostNotes; `notes_dropped` says how many more
  std::size_t notes_dropped = 0;
  std::size_t indicator_values_updated = 0;  // series classified afresh
  static constexpr std::size_t kMostNotes = 100;
};

struct LoadResult {
  std::vector<Diagnostic> diagnostics;  // errors refuse the program; warnings do not
  bool ok() const { return !has_errors(diagnostics); }
};

// ---- persistence --------------------------------------------------------------------------

/// One series and its bounded history (oldest first).
struct SeriesRecord {
  std::string metric;
  Labels labels;
  std::vector<std::pair<Date, double>> history;
};

/// A live alert with the lifecycle counters the engine needs to continue it.
struct AlertRecord {
  Alert alert;
  std::int64_t streak = 0;               // consecutive returns the condition held
  std::int64_t returns_since_fired = 0;  // returns of its data since it fired
  std::uint32_t escalations_done = 0;    // bit i: escalation i (by returns or time) applied
  Date decided;                          // data date of the return that last decided it
  Date fired_data;                       // data date of the return it fired on
};

/// The last classification of an indicator series, so a restart neither repeats transitions nor
/// shows an empty table until the next evaluation.
struct BandRecord {
  std::string indicator;
  Labels labels;
  Band band = Band::green;
  bool has_value = false;  // false: a band only (state written by version 1)
  double value = 0, raw_value = 0;
  Trend trend = Trend::none;
  Date date;
  std::optional<std::size_t> band_set;
};

/// Everything an engine needs to continue after a restart or a reload. Plain data: the daemon
/// may store it field by field, or as one blob with encode_state/decode_state.
struct EngineState {
  std::uint64_t next_alert_id = 1;
  std::int64_t evaluation_index = 0;   // dates closed so far
  std::optional<Date> first_as_of;
  std::optional<Date> last_as_of;
  std::vector<SeriesRecord> series;
  std::vector<AlertRecord> alerts;
  std::vector<BandRecord> bands;
};

/// A line-oriented text encoding of EngineState (versioned, stable across builds).
std::string encode_state(const EngineState& state);
/// Inverse of encode_state; nullopt with `error` set when the text is not a valid encoding.
std::optional<EngineState> decode_state(std::string_view text, std::string* error);

// ---- the engine ---------------------------------------------------------------------------

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Checks `files` (already parsed) with the checker (rules/checker.hpp), the one judge of a
  /// program, then compiles their non-test items as one program, replacing any program and
  /// state. When the checker finds errors, its diagnostics (errors, warnings and notes) are
  /// returned and nothing is compiled; otherwise the result holds no diagnostics but, should
  /// the compiler meet what the checker let through, an "internal error". On error the engine
  /// is left with no program.
  LoadResult load(const std::vector<ast::File>& files);

  /// Replaces the program with `files`, keeping series history for metrics that still exist and
  /// alert state for rules and indicators that still exist (same name, same labels). Alerts of
  /// rules that are gone are dropped (their resolution is returned in `resolved`). When the new
  /// files have errors the program in force is kept untouched and the errors are returned.
  LoadResult reload(const std::vector<ast::File>& files, std::vector<Event>* resolved = nullptr);

  bool loaded() const;

  /// Looks up a metric that samples may be sent for (a declared metric, an indicator's implicit
  /// metric, or an extract's `sample` target). Resolve once, then use the id on the hot path.
  using MetricId = std::uint32_t;
  std::optional<MetricId> metric_id(std::string_view name) const;
  /// The label names a metric's samples must carry (sorted); empty for an unknown metric.
  std::vector<std::string> metric_labels(std::string_view name) const;
  /// Every metric samples may name, sorted (for did-you-mean).
  const std::vector<std::string>& sendable_metrics() const;
  /// The date of a metric's decided return (the one the last evaluation read), if any: samples
  /// dated on or before it are refused.
  std::optional<Date> decided_return(std::string_view metric) const;
  /// The unit a metric's figures are in.
  ast::Unit metric_unit(std::string_view metric) const;

  /// Starts a batch: two samples for the same series and date within one batch are refused
  /// (duplicate_sample), while a later batch may correct an earlier one's figure (replaced).
  void begin_batch();

  /// Stores one sample into the series store, for the date it carries: nothing is decided until
  /// that date is evaluated. Every label the metric declares must be given (an empty value is
  /// given, and means "none": the series carries no such label, as in Prometheus). A sample
  /// dated on or before the return of its metric that an evaluation already read is refused
  /// (date_decided). No allocation in the steady state (known series, new dates).
  IngestResult ingest(const Sample& sample);
  IngestResult ingest(MetricId metric, std::span<const LabelView> labels, double value, Date as_of);

  /// Closes the date `as_of`: evaluates every indicator and rule on the returns dated on or
  /// before it, and returns the events. Each rule and indicator is decided only on a new return
  /// of what it reads. `as_of` must be after the last evaluated date (a refused evaluation
  /// changes nothing).
  Evaluation evaluate(Date as_of);
  /// The same evaluation, its events handed to `take_part` in parts as they are decided (in the
  /// same order), so a caller can write the first while the rest are being decided: each part
  /// holds whole indicators' and rules' events, at least `part_size` of them but the last (which
  /// may be empty). The Evaluation's `events` is then empty. `take_part` may call recycle() and
  /// nothing else of the engine.
  Evaluation evaluate(Date as_of, std::size_t part_size, const std::function<void(std::vector<Event>&&)>& take_part);
  /// Gives back events the caller is done with: later evaluations fill them again instead of
  /// allocating new ones (the daemon hands a batch's events to its writer thread, and returns
  /// them when written). Their contents do not matter; memory held is bounded.
  void recycle(std::vector<Event>&& spent);

  /// Live alerts (firing; with `include_pending` also pending), ordered by id.
  std::vector<Alert> open_alerts(bool include_pending = false) const;
  /// How many open_alerts(include_pending) would return, without building them.
  std::size_t open_alert_count(bool include_pending = false) const;

  /// The first date with samples the engine holds but has not evaluated, if any (an open date).
  std::optional<Date> first_open_date() const;

  /// Current value of every indicator series, indicators in source order, label sets sorted.
  void for_each_indicator_value(const std::function<void(const IndicatorValueView&)>& visit) const;
  std::vector<IndicatorValue> indicator_values() const;
  std::vector<IndicatorInfo> indicators() const;
  /// An indicator's value (as classified: IndicatorValueView::value) as every output shows it:
  /// with the indicator's `decimals` (else its `round`, else the unit's usual places), and more
  /// places where fewer would print a number its bands put in another band (89.96%, not 90%,
  /// against `green >= 90%`). The unit's usual text for an unknown indicator.
  std::string format_indicator_value(std::string_view indicator, double value) const;
  /// The value an indicator classifies for a value as computed: rounded when it has `round`.
  double classified_value(std::string_view indicator, double raw) const;

  /// The series of `metric` in the snapshot the last evaluation read, label sets sorted; empty
  /// for an unknown metric or before the first evaluation.
  std::vector<MetricValue> metric_values(std::string_view metric) const;

  /// Snapshot of the state for persistence; import replaces the current state. Records naming
  /// metrics, rules or indicators the program does not have are skipped and reported as
  /// warnings. Open (not yet evaluated) samples are part of the state.
  EngineState export_state() const;
  std::vector<Diagnostic> import_state(const EngineState& state);

  /// The last date closed by evaluate().
  std::optional<Date> last_as_of() const;
  /// The id the next alert will get. After an undo rebuilds the state from an earlier point,
  /// reserve_alert_ids(the old engine's next id) keeps ids already published from being given
  /// to other alerts.
  std::uint64_t next_alert_id() const;
  void reserve_alert_ids(std::uint64_t next);
  std::size_t series_count() const;
  /// Approximate bytes held by the series store and alert state (for the benchmark).
  std::size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A number in a unit the way reports print it: count 22 (23.6 if fractional), percent 96.6%,
/// gbp £7.711m / £639k / £950, days 731 days, rate_per_10k 528, fte 15.5.
std::string format_value(double value, ast::Unit unit);
/// The same with `places` decimal places (of the figure before a £ suffix: £7.711m has 3), at
/// most that many unless `keep_zeros`; -1: the unit's usual places (as above).
std::string format_value(double value, ast::Unit unit, int places, bool keep_zeros);
/// format_value's text appended to `out`.
void append_value(std::string& out, double value, ast::Unit unit, int places, bool keep_zeros);

}  // namespace bandwatch::engine
