// The abstract syntax tree of a `.bw` rules file: one tree, with source positions, shared by the
// checker, the formatter and the engine. Plain structs of standard types; no Boost here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rules/calendar.hpp"

namespace bandwatch::ast {

/// 1-based line and column (in bytes) of the first character of a construct.
struct Location {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  friend bool operator==(const Location&, const Location&) = default;
};

/// A value with the position it was written at (properties of a block).
template <typename T>
struct Located {
  T value{};
  Location loc;
};

enum class Unit : std::uint8_t { none, percent, count, days, rate_per_10k, gbp, fte, number };
/// `better closer to 22% within 2%`: the nearer the target (less the tolerance), the better.
enum class Better : std::uint8_t { unspecified, higher, lower, closer };
enum class Frame : std::uint8_t {
  unspecified, year_to_date, rolling_year, quarter, month, end_of_period, snapshot
};
/// Band colours double as alert severities: amber and red are severities, green is none.
enum class Colour : std::uint8_t { green, amber, red };

/// A number as written, with its unit: `95%`, `£5.293m`, `14 days`, `2020-02-04`, `23.6`.
/// `value` is in the unit's base: percent points (95% -> 95), pounds (£5.293m -> 5293000),
/// duration amounts in `duration`. `text` keeps the spelling so the formatter can reprint it.
struct Quantity {
  double value = 0;
  Unit unit = Unit::none;
  std::optional<Duration> duration;
  std::string text;
};

enum class ExprKind : std::uint8_t {
  number,     // quantity: literal
  string,     // text: the string's contents (in an extract: the column of that name)
  date,       // date: a date literal
  ref,        // name (+ matchers): a metric, label, benchmark value (`england.icpc_timeliness`)
  call,       // name(args...): pct_change, change, prev, avg_over, age, is_blank, ...
  aggregate,  // name(args[0]) by (by...): count, sum, avg, min, max, share
  unary,      // op args[0]: negate, logical_not
  binary,     // args[0] op args[1]
  in_list,    // args[0] in (args[1..]); `negated` for `not in`
  match,      // match(args[0]) { patterns[i] -> args[i+1] ... else -> args.back() }
};

enum class Op : std::uint8_t {
  none, add, subtract, multiply, divide, less, less_equal, greater, greater_equal, equal,
  not_equal, logical_and, logical_or, negate, logical_not
};

struct LabelMatcher {
  std::string label;
  bool negated = false;  // label!="v"
  std::string value;
  Location loc;
};

/// One node kind for every expression; which fields are meaningful depends on `kind`.
struct Expr {
  ExprKind kind = ExprKind::number;
  Location loc;
  Op op = Op::none;
  std::string name;  // ref / call / aggregate name; string contents
  Quantity quantity;
  Date date;
  std::vector<Expr> args;
  std::vector<LabelMatcher> matchers;
  std::vector<std::string> by;        // aggregate grouping labels
  std::vector<std::string> patterns;  // match arms' regular expressions
  bool has_else = false;              // match: the last arg is the `else` result
  bool negated = false;               // in_list: `not in`
  std::uint16_t depth = 1;            // height of this subtree; the parser refuses trees deeper
                                      // than kMaxExpressionDepth, so every walk over one is bounded
};

/// The deepest expression tree the parser builds (`a + a + ... + a` with 256 operators).
inline constexpr std::uint16_t kMaxExpressionDepth = 256;

struct MetricDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::optional<Located<Unit>> unit;
  std::optional<Located<std::vector<std::string>>> labels;
  std::optional<Expr> derived;  // `metric x = expr`
  std::optional<Located<Duration>> expect_every;
  std::vector<Located<std::string>> routes;  // forums told of its stale alerts
};

struct Bound {
  Quantity quantity;
  bool inclusive = true;
  std::string benchmark;  // `green >= england`: the limit is that benchmark's value for the indicator
};

/// A band's interval. `range` is `a .. b` (inclusive both ends); otherwise one or two
/// comparisons (`>= 95%`, `>= 90% and < 95%`). A missing bound is unbounded.
struct Band {
  Colour colour = Colour::green;
  Location loc;
  std::optional<Bound> lower;
  std::optional<Bound> upper;
  bool range = false;
};

struct BandSet {
  Location loc;
  std::optional<Expr> where;  // scoped bands: a label set takes the first block that matches
  std::optional<Date> from;   // dated bands: in force from this as-of date
  std::vector<Band> bands;
};

struct Cohort {
  std::string metric;
  std::int64_t minimum = 0;
};

struct IndicatorDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::optional<Located<std::string>> group;  // the report table it belongs to
  std::optional<Located<Unit>> unit;
  std::optional<Located<Better>> better;
  std::optional<Quantity> closer_to;  // `better closer to 22%`
  std::optional<Quantity> tolerance;  // `... within 2%`
  std::optional<Located<Frame>> frame;
  std::vector<BandSet> band_sets;
  std::optional<Located<std::int64_t>> round;  // decimal places before classifying
  std::optional<Located<std::int64_t>> decimals;  // decimal places shown (at most `round`'s)
  std::optional<Located<Cohort>> cohort;
  std::optional<Located<Quantity>> last_year;  // last year's value, for the meeting pack
  std::optional<Located<std::string>> note;    // free text shown beside the value (e.g. target source)
  std::optional<Located<Duration>> expect_every;
  std::vector<Located<std::string>> routes;  // forums told when the indicator leaves green
  std::optional<Located<std::string>> message;           // its alerts' text, with placeholders
  std::optional<Located<std::string>> resolved_message;  // the text when it is green again
};

struct BenchmarkEntry {
  std::string indicator;
  Quantity quantity;
  Location loc;
  std::optional<Date> from;  // in force from this as-of date (until the entry's next `from`)
};

/// The first comparison of numbers in a condition, left to right (a rule's `{value}` is its left
/// side, `{target}` its right): nullptr when there is none. Comparisons of text are passed over.
const Expr* first_comparison(const Expr& expr);

struct BenchmarkDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::vector<BenchmarkEntry> entries;
};

struct RouteDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::optional<Located<Duration>> cadence;
  // Members told directly (bandwatchd's notifications, docs/notifications.md): mail addresses
  // (`email "chair@council.example", ...`) and Teams incoming-webhook URLs (`teams "https://..."`).
  std::vector<Located<std::string>> emails;
  std::vector<Located<std::string>> teams;
};

/// `escalate red after 2 returns to clinic`, `escalate red when cp_plan_age >= 2 years`.
struct Escalation {
  Colour severity = Colour::red;
  Duration after;             // periods / returns: returns of the rule's data; otherwise calendar
                              // time between the data it fired on and the data now
  std::optional<Expr> when;            // instead of `after`: while this condition holds
  std::optional<std::string> to_route;
  Location loc;
  Location to_route_loc;
};

struct RuleDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::optional<Expr> when;
  std::optional<Expr> unless;
  std::optional<Expr> clear_when;
  std::optional<Located<Colour>> severity;
  std::optional<Located<Duration>> for_returns;  // `for 2 returns` / `for 1 period`
  std::vector<Escalation> escalations;
  std::vector<Located<std::string>> routes;
  std::optional<Located<std::string>> message;
  std::optional<Located<std::string>> resolved_message;  // the text when its condition stops holding
};

enum class BindingKind : std::uint8_t { key, label, sample };

/// `key child = "Child Unique ID"`, `label team = ...`, `sample open_case = 1`.
struct Binding {
  BindingKind kind = BindingKind::label;
  std::string name;
  Expr value;
  Location loc;
};

struct ExtractDecl {
  std::string name;
  Location loc;
  std::optional<Located<std::string>> title;
  std::optional<Located<std::string>> date_format;
  std::vector<Binding> bindings;  // in source order
  std::vector<Expr> filters;      // `where` clauses: all must hold
  std::optional<Located<Duration>> expect_every;
  std::vector<Located<std::string>> routes;  // forums told of its stale alerts
};

/// `caseload{worker="W1", team="T"} 22` inside a test's `at` block.
struct SampleLine {
  std::string metric;
  std::vector<LabelMatcher> labels;  // never negated here
  Quantity value;
  Location loc;
};

struct AtStep {
  Date as_of;
  std::vector<SampleLine> samples;
  Location loc;
};

enum class ExpectKind : std::uint8_t { band, alert, no_alert, value };

/// `expect ind{..} amber`, `expect alert rule{..} red`, `expect no alert rule{..}`,
/// `expect value ind{..} 23.6`.
struct ExpectStep {
  ExpectKind kind = ExpectKind::band;
  std::string target;
  std::vector<LabelMatcher> labels;
  std::string outcome;  // band name (green, amber, red, unbanded, small_cohort) or severity
  Quantity value;       // for ExpectKind::value
  Location loc;
};

struct TestDecl {
  std::string name;
  Location loc;
  std::vector<std::variant<AtStep, ExpectStep>> steps;
};

using Item = std::variant<MetricDecl, IndicatorDecl, BenchmarkDecl, RouteDecl, RuleDecl,
                          ExtractDecl, TestDecl>;

/// A `#` comment, kept so the formatter can put it back.
struct Comment {
  Location loc;
  std::string text;       // including the '#'
  bool own_line = false;  // nothing but whitespace before it on its line
};

struct File {
  std::string path;
  std::vector<Item> items;
  std::vector<Comment> comments;
};

std::string_view to_string(Unit unit);
std::string_view to_string(Better better);
std::string_view to_string(Frame frame);
std::string_view to_string(Colour colour);
std::string_view to_string(Op op);
std::optional<Unit> unit_from_string(std::string_view text);
std::optional<Frame> frame_from_string(std::string_view text);  // accepts YD, RY, Q, EP too

/// The name and location of any item.
const std::string& name_of(const Item& item);
Location location_of(const Item& item);
std::string_view kind_of(const Item& item);  // "metric", "indicator", ...

/// A canonical dump of the tree without positions or spellings, for tests comparing trees
/// (`fmt` must not change what a file means).
std::string dump(const File& file);
std::string dump(const Expr& expr);

}  // namespace bandwatch::ast
