// The meeting pack's data: what a report is built from (`Source`, filled either by replaying
// sample files through the engine or from the daemon's state) and what it shows (`ReportModel`,
// rendered as HTML, Markdown or PDF). Plain structs of standard types, so the renderers can be
// tested without an engine or a daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rules/ast.hpp"
#include "rules/calendar.hpp"

namespace bandwatch::report {

/// Labels of a series or alert, sorted by name: `{"team", "Hunts Children's Team 1"}`.
using Labels = std::vector<std::pair<std::string, std::string>>;

/// The class of an indicator value, as the engine gives it.
enum class Band : std::uint8_t { green, amber, red, unbanded, small_cohort };
/// Short trend against the previous period, read with the indicator's `better`.
enum class Trend : std::uint8_t { none, improving, declining, unchanged };

/// The stretch of the value axis one band covers, for shading a sparkline. A missing bound is
/// unbounded. Edges are where the value as plotted changes band: with `round 0`, `amber 90% ..
/// 94%` covers 89.5 <= v < 94.5.
struct BandShade {
  ast::Colour colour = ast::Colour::green;
  std::optional<double> lower;
  std::optional<double> upper;
};

struct Point {
  Date date;
  double value = 0;
};

// ---- what a report is built from ----------------------------------------------------------

struct RouteInfo {
  std::string name;
  std::string title;  // the name when the route has no title
  std::optional<Duration> cadence;
};

struct IndicatorInfo {
  std::string name;
  std::string title;  // the name when no title
  std::string group;  // empty: not in a group
  ast::Unit unit = ast::Unit::none;
  ast::Better better = ast::Better::unspecified;
  ast::Frame frame = ast::Frame::unspecified;
  std::string last_year;  // formatted in the unit ("98.8%"); empty when not given
  std::string note;
};

/// A comparator's figure for one indicator (a `benchmark` block's entry).
struct BenchmarkValue {
  std::string indicator;
  double value = 0;          // in the indicator's unit's base (77 for 77%)
  std::string text;          // as the indicator's values are shown: "77%"
  std::optional<Date> from;  // in force from this date; none: always
};

/// A `benchmark` block: the England average, statistical neighbours, the region.
struct BenchmarkInfo {
  std::string name;
  std::string title;  // the name when the block has no title
  std::vector<BenchmarkValue> values;
};

/// One indicator series (one label set) with its history.
struct SeriesInfo {
  std::string indicator;
  Labels labels;
  std::vector<Point> history;  // oldest first; the value as computed, before `round`
  std::optional<double> value;  // the latest value as classified (after `round`); none: the
                                // latest history point's
  std::string value_text;      // latest value as classified, as every output shows it: "97%"
  std::string previous_value_text;  // the value the trend compares with, shown the same way
  Band band = Band::unbanded;
  Trend trend = Trend::none;
  Date date;                   // the as-of date of the latest value
  std::string target;          // the bands in force, as written
  std::vector<BandShade> shades;
};

struct Acknowledgement {
  std::string who;
  std::string note;
  std::optional<Date> review;  // when the owner will look at it again
  std::optional<Date> on;      // when it was acknowledged
};

enum class ChangeKind : std::uint8_t { fired, escalated, de_escalated, resolved };

struct AlertChange {
  ChangeKind kind = ChangeKind::fired;
  Date on;
  ast::Colour severity = ast::Colour::amber;  // after the change (resolved: the last severity)
};

/// One alert's life as far as it is known: open now, or resolved.
struct AlertHistory {
  std::uint64_t id = 0;
  std::string rule;
  std::string title;  // the rule's or indicator's title; the rule name when none
  Labels labels;
  ast::Colour severity = ast::Colour::amber;  // now, or when it resolved
  bool open = true;
  Date since;                // when it opened
  std::string value_text;    // latest value in its unit
  std::string message;       // the latest event's (resolved: the resolution's)
  std::string raised_message;  // the message when it last fired or changed severity; empty: unknown
  bool resolved_message = false;  // `message` was written for the resolution (not the firing text)
  std::vector<std::string> routes;
  std::vector<AlertChange> changes;  // in date order; may be empty when only the state is known
  std::optional<Acknowledgement> acknowledgement;
};

struct Source {
  Date as_of;                      // the latest data
  std::vector<Date> evaluations;   // as-of dates evaluated, ascending; may be empty
  std::vector<RouteInfo> routes;   // in declaration order
  std::vector<IndicatorInfo> indicators;  // in declaration order
  std::vector<SeriesInfo> series;
  std::vector<AlertHistory> alerts;
  std::vector<BenchmarkInfo> benchmarks;  // in declaration order
};

// ---- what a report shows ------------------------------------------------------------------

/// Agenda order: new and escalated first, then still open by age, then resolved.
enum class AgendaKind : std::uint8_t { new_alert, escalated, open, resolved };

struct AgendaItem {
  AgendaKind kind = AgendaKind::open;
  std::uint64_t id = 0;
  std::string rule;
  std::string title;
  Labels labels;
  ast::Colour severity = ast::Colour::amber;
  std::optional<ast::Colour> previous_severity;  // escalated: what it was before
  Date since;
  std::int32_t age_days = 0;    // open: from `since` to the meeting date
  std::optional<Date> changed_on;  // escalated on / resolved on
  bool escalated_in_period = false;  // a new alert that has also escalated since it opened
  std::string value_text;
  std::string message;  // resolved: what the resolution says ("Back in green at 93%"), never the
                        // firing text with the resolved value ("up -4.6%")
  std::optional<Acknowledgement> acknowledgement;
  bool review_overdue = false;  // acknowledged with a review date before the meeting date
};

struct RouteReport {
  std::string name;
  std::string title;
  Date since;               // changes after this date are new
  std::string since_basis;  // why that date: "cadence 14 days", "--since", "previous evaluation"
  std::vector<AgendaItem> items;  // in agenda order
  std::size_t count(AgendaKind kind) const;
};

/// One benchmark's figure beside a RAG row (RagGroup::benchmarks gives the columns).
struct BenchmarkCell {
  bool has_value = false;  // false: this benchmark has no figure for the indicator (then)
  double value = 0;
  std::string text;        // "77%"
};

struct RagRow {
  std::string indicator;
  std::string title;
  Labels labels;
  ast::Frame frame = ast::Frame::unspecified;
  ast::Better better = ast::Better::unspecified;
  std::string target;
  bool has_value = false;  // false: no data yet (shown as such, not counted in a band)
  double value = 0;        // the latest value as classified (after `round`), in the unit's base:
                           // the number value_text shows
  double raw_value = 0;    // the same as computed, before `round`
  ast::Unit unit = ast::Unit::none;
  std::string value_text;  // as every output shows it (the indicator's places): "97%"
  Date date;
  Band band = Band::unbanded;
  Trend trend = Trend::none;
  std::string last_year;
  std::string note;
  std::vector<Point> history;
  std::vector<BandShade> shades;
  std::optional<Date> previous_date;  // of the value the trend compares with
  std::string previous_value_text;    // that value, shown as value_text is ("5%")
  std::vector<BenchmarkCell> benchmarks;  // one per RagGroup::benchmarks column
};

/// A benchmark column of a RAG table.
struct BenchmarkColumn {
  std::string name;
  std::string title;
};

struct RagGroup {
  std::string title;
  std::vector<RagRow> rows;
  /// The benchmarks with a figure for some row of this table, in declaration order.
  std::vector<BenchmarkColumn> benchmarks;
};

struct BandCounts {
  std::size_t green = 0, amber = 0, red = 0, unbanded = 0, small_cohort = 0;
};

struct ReportModel {
  std::string title;
  Date as_of;         // the latest data
  Date meeting_date;  // reviews before this date are overdue; ages run to it
  std::vector<RouteReport> routes;
  std::vector<std::string> quiet_routes;  // titles of forums with nothing on their agenda
  BandCounts counts;
  std::vector<RagGroup> groups;
  std::vector<std::string> no_data;  // titles of indicators declared but without a value yet
};

struct Options {
  std::optional<std::string> route;  // only this forum; otherwise every route
  std::optional<Date> since;         // otherwise each route's last cadence
  std::optional<Date> meeting_date;  // otherwise the as-of date
  std::string title = "Meeting pack";
};

struct BuildResult {
  ReportModel model;
  std::string error;  // non-empty: no model (an unknown route)
  bool ok() const { return error.empty(); }
};

/// Builds what the report shows from what is known. Alerts are placed on a route's agenda when
/// they carry that route; alerts with no route (indicator alerts) get their own section. Without
/// `options.route`, forums with nothing on their agenda are only named (`quiet_routes`).
BuildResult build_model(const Source& source, const Options& options);

std::string_view to_string(Band band);    // "green", ..., "small_cohort"
std::string_view band_label(Band band);   // "Green", "Amber", "Red", "Unbanded", "Small cohort"
std::string_view to_string(Trend trend);  // "none", "improving", ...
std::string_view to_string(AgendaKind kind);  // "new", "escalated", "open", "resolved"
std::string_view colour_label(ast::Colour colour);  // "Green", "Amber", "Red"
/// The code the seed reports print beside a measure: YD, RY, Q, M, EP, S; empty when unspecified.
std::string_view frame_code(ast::Frame frame);
std::string_view frame_name(ast::Frame frame);  // "year to date", ...

}  // namespace bandwatch::report
