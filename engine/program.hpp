// Private to engine/: the compiled program. Everything here is fixed at compile time and never
// changes while the program evaluates: names resolved to ids, expressions flattened to node
// arrays, band sets, escalations, retention. The state it evaluates against lives in state.hpp,
// so one Program can be shared, and a reload is "compile, then migrate the state".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/engine.hpp"
#include "pools.hpp"
#include "rules/ast.hpp"
#include "rules/calendar.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::engine::detail {

// ---- expressions ----------------------------------------------------------------------------

enum class Node : std::uint8_t {
  constant,       // number
  ref,            // current value of a metric series (ref)
  label_eq,       // label `a` of the driver == value id `b` (negated: !=)
  label_in,       // label `a` of the driver in set (negated: not in)
  labels_equal,   // label a == label b of the driver (negated: !=)
  add, subtract, multiply, divide,
  less, less_equal, greater, greater_equal, equal, not_equal,
  logical_and, logical_or, logical_not, negate,
  age_compare,    // child `a` (an age in days) compared (cmp) with a calendar duration
  history,        // fn over the history of ref
  benchmark,      // the value in force of program.benchmarks[a] at the series' date
  abs_value,
  min2, max2,
};

enum class HistoryFn : std::uint8_t { pct_change, change, prev, avg_over, sum_over, min_over, max_over };

struct ExprNode {
  Node op = Node::constant;
  Node cmp = Node::less;     // age_compare: the comparison, duration on the right
  HistoryFn fn = HistoryFn::prev;
  bool negated = false;
  std::uint32_t a = kNone, b = kNone;  // children, or label name ids
  std::uint32_t ref = kNone;
  double number = 0;
  Duration duration;
  std::int32_t tolerance_days = 0;  // history look-back: how far from the date one window back
                                    // a figure may be and still count as "a year earlier"
  std::vector<std::uint32_t> set;   // label_in: sorted value ids
};

/// How a metric reference finds its series from the driver series of the evaluation.
enum class Join : std::uint8_t { self, scalar, project };

struct MetricRef {
  std::uint32_t metric = 0;
  Join join = Join::self;
  std::vector<LabelPair> eq;       // label="v" matchers
  std::vector<LabelPair> ne;       // label!="v" matchers
  std::vector<std::uint32_t> project;  // label names taken from the driver (canonical order)
};

/// A set of expression trees evaluated per series of one driver metric.
struct ExprProgram {
  std::uint32_t driver = kNone;  // metric id
  std::vector<ExprNode> nodes;
  std::vector<MetricRef> refs;
  std::vector<std::uint32_t> reads;  // metric ids read (for dirtiness and the data date)
};

// ---- compiled items -------------------------------------------------------------------------

enum class AggKind : std::uint8_t { count, sum, avg, min, max, share };

struct DerivedDef {
  std::uint32_t metric = 0;
  ExprProgram program;
  std::uint32_t root = kNone;
  bool aggregate = false;
  AggKind agg = AggKind::sum;
  bool boolean_arg = false;             // count/share of a condition
  std::vector<std::uint32_t> by;        // grouping label names, canonical order
};

struct MetricDef {
  std::string name;
  ast::Unit unit = ast::Unit::none;
  bool derived = false;
  bool anonymous = false;               // an aggregate written inside a rule
  std::uint32_t derived_index = kNone;
  std::vector<std::uint32_t> labels;    // declared label names, canonical order
  std::vector<std::string_view> label_strings;  // same, as text (for fast ingest matching)
  std::int32_t keep_points = 2;         // history retention: at least this many points
  std::int32_t keep_days = 0;           // and every point within this many days of the newest
};

/// A benchmark's values for one indicator or metric (`england.icpc_timeliness`): undated, or
/// each in force from its date until the next.
struct BenchmarkValues {
  std::string name;                             // "england.icpc_timeliness"
  std::optional<double> undated;                // in force before the first date
  std::vector<std::pair<Date, double>> dated;   // sorted by date
  double at(Date date) const {
    for (auto it = dated.rbegin(); it != dated.rend(); ++it)
      if (it->first <= date) return it->second;
    return undated ? *undated : kMissing;
  }
};

// {value}, {band}, {target} (an indicator's green band in force; a rule's constant is text),
// {previous}, {benchmark.NAME} (index into program.benchmarks), {LABEL}.
enum class Segment : std::uint8_t { text, value, label, band, target, previous, benchmark };
struct MessagePart {
  Segment kind = Segment::text;
  std::string text;
  std::uint32_t label = kNone;  // label name id, or benchmark index
};

struct BandDef {
  ast::Colour colour = ast::Colour::green;
  bool has_lower = false, lower_inclusive = true, has_upper = false, upper_inclusive = true;
  double lower = 0, upper = 0;
  // Limits that move: a benchmark's value in force (index into program.benchmarks), or a length
  // of months or years, measured back on the calendar from the value's date.
  std::uint32_t lower_benchmark = kNone, upper_benchmark = kNone;
  std::optional<Duration> lower_calendar, upper_calendar;
};

struct BandSetDef {
  std::vector<BandDef> bands;
  std::uint32_t where = kNone;  // root in the indicator's program
  bool has_from = false;
  Date from;
  std::size_t source_index = 0;
  std::string target;           // as written: "green >= 95%, amber 90% .. 94%, red <= 89%"
  std::string green;            // its green bands' limits: ">= 95%" ({target} in messages)
  std::string where_text;       // the `where` as written, empty when unscoped
};

struct IndicatorDef {
  std::string name, title, group;
  ast::Unit unit = ast::Unit::none;
  ast::Better better = ast::Better::unspecified;
  double closer_to = 0, tolerance = 0;  // better closer: the target and how near counts as on it
  ast::Frame frame = ast::Frame::unspecified;
  std::uint32_t metric = 0;
  int round = -1;
  int decimals = -1;         // places shown: `decimals`, else `round`; -1: the unit's usual
  bool fixed_decimals = false;  // `decimals` given: shown with exactly that many (96.0%)
  ExprProgram program;       // driver: the indicator's metric (where clauses, cohort)
  std::uint32_t cohort = kNone;  // root node reading the cohort metric
  double cohort_minimum = 0;
  std::vector<std::string> routes;    // forums told when a value leaves green
  std::vector<MessagePart> message, resolved_message;  // empty: the default texts
  std::vector<BandSetDef> band_sets;  // in priority order: scoped first, later `from` first, source order
};

/// What raises a live rule alert's severity.
enum class Trigger : std::uint8_t {
  returns,    // `after N returns|periods`: N returns of the rule's data after it fired
  calendar,   // `after 3 months`: that much time between the data it fired on and the data now
  condition,  // `when EXPR`: while EXPR holds (and lowered again when it stops holding)
};

struct EscalationDef {
  ast::Colour severity = ast::Colour::red;
  Trigger trigger = Trigger::returns;
  std::int64_t returns_after = 0;   // returns: returns after the one it fired on (`after 2
                                    // returns` counts the firing return: 1; `after 2 periods`: 2)
  Duration after;                   // calendar
  std::uint32_t condition = kNone;  // condition: root in the rule's program
  std::string to_route;
};

struct RuleDef {
  std::string name, title;
  ExprProgram program;
  std::uint32_t when = kNone, unless = kNone, clear = kNone, value = kNone;
  ast::Unit value_unit = ast::Unit::none;
  ast::Colour severity = ast::Colour::amber;
  std::int64_t required_returns = 1;  // consecutive returns the condition must hold to fire
  std::vector<EscalationDef> escalations;
  std::vector<std::string> routes;
  std::vector<MessagePart> message;  // empty: the default message
  std::vector<MessagePart> resolved_message;  // empty: the default text on resolving
  std::uint32_t previous_metric = kNone;  // {previous}: the metric whose series' figure before is shown
};

/// `expect every`: a metric, indicator or extract whose data must keep arriving.
struct StaleDef {
  std::string name;
  std::vector<std::uint32_t> metrics;
  Duration every;
  std::vector<std::string> routes;  // the metric's, extract's or indicator's `route`s
};

enum class ItemKind : std::uint8_t { indicator, rule };
struct ItemRef {
  ItemKind kind;
  std::uint32_t index;
};

/// Hash for maps keyed by std::string that are searched with a string_view (no temporary).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameMap = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

/// Everything compiled from the rules files. Immutable once compiled.
struct Program {
  StringPool names;                     // label names and the values written in the rules
  std::vector<MetricDef> metrics;
  NameMap metric_ids;                   // sendable and derived metrics
  std::vector<std::string> sendable_names;  // metrics samples may name, sorted (did-you-mean)
  std::vector<DerivedDef> derived;      // in dependency order
  std::vector<IndicatorDef> indicators;
  std::vector<RuleDef> rules;
  std::vector<StaleDef> stale;
  std::vector<BenchmarkValues> benchmarks;  // those read by expressions and messages
  std::vector<ItemRef> order;           // indicators and rules in source order
  NameMap indicator_ids, rule_ids, stale_ids, benchmark_ids;
};

/// Compiles `files` into `program`. Returns diagnostics (errors mean the program must not be
/// used).
std::vector<Diagnostic> compile(const std::vector<ast::File>& files, Program& program);

/// Unit-aware formatting shared by events and reports.
std::string format_number(double value, int max_decimals);
/// The same with exactly `decimals` places when `keep_zeros` (96.0).
std::string format_number(double value, int decimals, bool keep_zeros);
/// format_number's text appended to `out` (events reuse their strings' room).
void append_number(std::string& out, double value, int decimals, bool keep_zeros);
/// The decimal places `unit` prints `value` with by default (percent 1, £7.711m 3, £639k 1).
int usual_places(double value, ast::Unit unit);
/// The number `format_value(value, unit, places)` prints, in the unit's base (£7.711m: 7711000).
double shown_number(double value, ast::Unit unit, int places);

/// Rounds half away from zero at `decimals` places, forgiving binary representation error
/// (2.675 rounds to 2.68 as written).
double round_decimal(double value, int decimals);

/// How an indicator's value (as classified) is shown everywhere (alerts, eval, the meeting
/// pack, the trend): with the indicator's places, and more where those would print a number that
/// some block of its bands puts in another band than the value (89.96% against `green >= 90%`
/// is shown 89.96%, not 90%). shown_places says how many, shown_indicator_value the number
/// printed, format_indicator_value the text.
int shown_places(const IndicatorDef& ind, double value);
double shown_indicator_value(const IndicatorDef& ind, double value);
std::string format_indicator_value(const IndicatorDef& ind, double value);
/// format_indicator_value's text appended to `out`; `places`: shown_places's, when known (-1: not).
void append_indicator_value(std::string& out, const IndicatorDef& ind, double value, int places);

}  // namespace bandwatch::engine::detail
