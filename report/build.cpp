// From what is known (Source) to what the meeting reads (ReportModel): the agenda of each route
// and the RAG tables.
#include <algorithm>
#include <map>

#include "report/model.hpp"
#include "rules/diagnostic.hpp"

namespace bandwatch::report {

std::size_t RouteReport::count(AgendaKind kind) const {
  return static_cast<std::size_t>(
      std::count_if(items.begin(), items.end(), [kind](const AgendaItem& item) { return item.kind == kind; }));
}

std::string_view to_string(Band band) {
  switch (band) {
    case Band::green: return "green";
    case Band::amber: return "amber";
    case Band::red: return "red";
    case Band::unbanded: return "unbanded";
    case Band::small_cohort: return "small_cohort";
  }
  return "unbanded";
}

std::string_view band_label(Band band) {
  switch (band) {
    case Band::green: return "Green";
    case Band::amber: return "Amber";
    case Band::red: return "Red";
    case Band::unbanded: return "Unbanded";
    case Band::small_cohort: return "Small cohort";
  }
  return "Unbanded";
}

std::string_view to_string(Trend trend) {
  switch (trend) {
    case Trend::none: return "none";
    case Trend::improving: return "improving";
    case Trend::declining: return "declining";
    case Trend::unchanged: return "unchanged";
  }
  return "none";
}

std::string_view to_string(AgendaKind kind) {
  switch (kind) {
    case AgendaKind::new_alert: return "new";
    case AgendaKind::escalated: return "escalated";
    case AgendaKind::open: return "open";
    case AgendaKind::resolved: return "resolved";
  }
  return "open";
}

std::string_view colour_label(ast::Colour colour) {
  switch (colour) {
    case ast::Colour::green: return "Green";
    case ast::Colour::amber: return "Amber";
    case ast::Colour::red: return "Red";
  }
  return "Amber";
}

std::string_view frame_code(ast::Frame frame) {
  switch (frame) {
    case ast::Frame::unspecified: return "";
    case ast::Frame::year_to_date: return "YD";
    case ast::Frame::rolling_year: return "RY";
    case ast::Frame::quarter: return "Q";
    case ast::Frame::month: return "M";
    case ast::Frame::end_of_period: return "EP";
    case ast::Frame::snapshot: return "S";
  }
  return "";
}

std::string_view frame_name(ast::Frame frame) {
  switch (frame) {
    case ast::Frame::unspecified: return "";
    case ast::Frame::year_to_date: return "year to date";
    case ast::Frame::rolling_year: return "rolling year";
    case ast::Frame::quarter: return "quarter";
    case ast::Frame::month: return "month";
    case ast::Frame::end_of_period: return "end of period";
    case ast::Frame::snapshot: return "snapshot";
  }
  return "";
}

namespace {

/// The date after which changes are news to this forum, and why.
std::pair<Date, std::string> since_for(const RouteInfo* route, const Source& source, const Options& options) {
  if (options.since) return {*options.since, "the date given"};
  if (route && route->cadence) {
    if (auto back = subtract(source.as_of, *route->cadence))
      return {*back, "the forum's cadence of " + to_string(*route->cadence)};
  }
  // No cadence: the meeting before this one read the evaluation before the latest.
  for (auto it = source.evaluations.rbegin(); it != source.evaluations.rend(); ++it)
    if (*it < source.as_of) return {*it, "the previous evaluation"};
  if (auto back = subtract(source.as_of, Duration{14, DurationUnit::days}))
    return {*back, "a fortnight, the usual cadence"};
  return {source.as_of, "the latest data"};
}

bool has_route(const AlertHistory& alert, const std::string& route) {
  return std::find(alert.routes.begin(), alert.routes.end(), route) != alert.routes.end();
}

/// What a resolved item says. The firing message filled with the resolved value ("children in
/// care up -4.6% on a year earlier") reads as if it still fired: unless the source marks the
/// message as written for the resolution, the pack says it in its own words, with what was raised.
std::string resolved_wording(const AlertHistory& alert, const std::string& title) {
  if (alert.resolved_message && !alert.message.empty()) return alert.message;
  // An indicator's own message ("Health of CiC: 93% is green") names its band.
  bool indicator = alert.message.starts_with(title + ": ") || alert.message.starts_with(title + " (");
  if (indicator && alert.message.ends_with(" is green"))
    return "Back in green" + (alert.value_text.empty() ? std::string() : " at " + alert.value_text);
  std::string out = "No longer raised";
  if (!alert.value_text.empty()) out += " (now " + alert.value_text + ")";
  if (!alert.raised_message.empty() && alert.raised_message != alert.message)
    out += "; raised as: " + alert.raised_message;
  return out;
}

/// Places one alert on an agenda whose news starts after `since`; nullopt when it is not news
/// and not open (resolved before the period).
std::optional<AgendaItem> agenda_item(const AlertHistory& alert, Date since, Date meeting_date) {
  AgendaItem item;
  item.id = alert.id;
  item.rule = alert.rule;
  item.title = alert.title.empty() ? alert.rule : alert.title;
  item.labels = alert.labels;
  item.severity = alert.severity;
  item.since = alert.since;
  item.value_text = alert.value_text;
  item.message = alert.message;
  item.acknowledgement = alert.acknowledgement;
  item.review_overdue = alert.acknowledgement && alert.acknowledgement->review &&
                        *alert.acknowledgement->review < meeting_date;
  item.age_days = meeting_date.days_since_epoch - alert.since.days_since_epoch;

  if (!alert.open) {
    std::optional<Date> resolved_on;
    for (const AlertChange& change : alert.changes)
      if (change.kind == ChangeKind::resolved) resolved_on = change.on;
    if (!resolved_on || *resolved_on <= since) return std::nullopt;
    item.kind = AgendaKind::resolved;
    item.changed_on = resolved_on;
    item.message = resolved_wording(alert, item.title);
    item.age_days = resolved_on->days_since_epoch - alert.since.days_since_epoch;
    item.review_overdue = false;  // nothing left to review
    return item;
  }

  // The latest escalation in the period, and the severity it raised the alert from.
  std::optional<Date> escalated_on;
  ast::Colour before = alert.severity, severity_so_far = alert.severity;
  bool before_known = false, first = true;
  for (const AlertChange& change : alert.changes) {
    if (change.kind == ChangeKind::escalated && change.on > since) {
      escalated_on = change.on;
      before = severity_so_far;
      before_known = !first;
    }
    severity_so_far = change.severity;
    first = false;
  }
  if (alert.since > since) {
    item.kind = AgendaKind::new_alert;
    item.escalated_in_period = escalated_on.has_value();
    item.changed_on = escalated_on;
  } else if (escalated_on) {
    item.kind = AgendaKind::escalated;
    item.changed_on = escalated_on;
    if (before_known) item.previous_severity = before;
  } else {
    item.kind = AgendaKind::open;
  }
  return item;
}

int severity_rank(ast::Colour colour) { return colour == ast::Colour::red ? 0 : colour == ast::Colour::amber ? 1 : 2; }

void order_agenda(std::vector<AgendaItem>& items) {
  std::stable_sort(items.begin(), items.end(), [](const AgendaItem& a, const AgendaItem& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    switch (a.kind) {
      case AgendaKind::new_alert:
      case AgendaKind::escalated:
        // Red before amber: the worst news first; then the longest-standing.
        if (a.severity != b.severity) return severity_rank(a.severity) < severity_rank(b.severity);
        if (a.since != b.since) return a.since < b.since;
        break;
      case AgendaKind::open:
        if (a.age_days != b.age_days) return a.age_days > b.age_days;  // oldest first
        if (a.severity != b.severity) return severity_rank(a.severity) < severity_rank(b.severity);
        break;
      case AgendaKind::resolved:
        if (a.changed_on != b.changed_on) return a.changed_on < b.changed_on;
        break;
    }
    return a.id < b.id;
  });
}

RouteReport route_report(const RouteInfo* route, const Source& source, const Options& options,
                         Date meeting_date) {
  RouteReport report;
  if (route) {
    report.name = route->name;
    report.title = route->title.empty() ? route->name : route->title;
  } else {
    report.title = "Alerts not routed to a forum";
  }
  auto [since, basis] = since_for(route, source, options);
  report.since = since;
  report.since_basis = basis;
  for (const AlertHistory& alert : source.alerts) {
    bool belongs = route ? has_route(alert, route->name) : alert.routes.empty();
    if (!belongs) continue;
    if (auto item = agenda_item(alert, since, meeting_date)) report.items.push_back(std::move(*item));
  }
  order_agenda(report.items);
  return report;
}

void count(BandCounts& counts, Band band) {
  switch (band) {
    case Band::green: ++counts.green; break;
    case Band::amber: ++counts.amber; break;
    case Band::red: ++counts.red; break;
    case Band::unbanded: ++counts.unbanded; break;
    case Band::small_cohort: ++counts.small_cohort; break;
  }
}

RagRow rag_row(const IndicatorInfo& info) {
  RagRow row;
  row.indicator = info.name;
  row.title = info.title.empty() ? info.name : info.title;
  row.frame = info.frame;
  row.better = info.better;
  row.unit = info.unit;
  row.last_year = info.last_year;
  row.note = info.note;
  return row;
}

/// The figure of `benchmark` for `indicator` in force on `date`: the latest dated on or before it,
/// else an undated one.
const BenchmarkValue* benchmark_at(const BenchmarkInfo& benchmark, const std::string& indicator, Date date) {
  const BenchmarkValue* found = nullptr;
  for (const BenchmarkValue& v : benchmark.values) {
    if (v.indicator != indicator) continue;
    if (v.from && *v.from > date) continue;
    if (!found || (v.from && (!found->from || *found->from < *v.from))) found = &v;
  }
  return found;
}

/// A column per benchmark with a figure for some row of the table, and each row's cell.
void benchmark_columns(RagGroup& group, const std::vector<BenchmarkInfo>& benchmarks) {
  for (const BenchmarkInfo& benchmark : benchmarks) {
    std::vector<BenchmarkCell> cells;
    bool any = false;
    for (const RagRow& row : group.rows) {
      BenchmarkCell cell;
      if (const BenchmarkValue* v = benchmark_at(benchmark, row.indicator, row.date)) {
        cell.has_value = true;
        cell.value = v->value;
        cell.text = v->text;
        any = true;
      }
      cells.push_back(std::move(cell));
    }
    if (!any) continue;
    group.benchmarks.push_back({benchmark.name, benchmark.title.empty() ? benchmark.name : benchmark.title});
    for (std::size_t i = 0; i < group.rows.size(); ++i) group.rows[i].benchmarks.push_back(std::move(cells[i]));
  }
}

std::vector<RagGroup> rag_groups(const Source& source, BandCounts& counts, std::vector<std::string>& no_data) {
  std::map<std::string, std::vector<const SeriesInfo*>> series_of;
  for (const SeriesInfo& series : source.series) series_of[series.indicator].push_back(&series);
  for (auto& [name, list] : series_of)
    std::stable_sort(list.begin(), list.end(),
                     [](const SeriesInfo* a, const SeriesInfo* b) { return a->labels < b->labels; });

  std::vector<RagGroup> groups;
  RagGroup ungrouped{"Other indicators", {}, {}};
  for (const IndicatorInfo& info : source.indicators) {
    RagGroup* group = &ungrouped;
    if (!info.group.empty()) {
      auto found = std::find_if(groups.begin(), groups.end(),
                                [&](const RagGroup& g) { return g.title == info.group; });
      if (found == groups.end()) {
        groups.push_back({info.group, {}, {}});
        found = std::prev(groups.end());
      }
      group = &*found;
    }
    auto it = series_of.find(info.name);
    if (it == series_of.end()) {
      // Declared but no data yet: named once below the tables rather than a row of dashes
      // (a program shared by several councils declares many).
      no_data.push_back(info.title.empty() ? info.name : info.title);
      continue;
    }
    for (const SeriesInfo* series : it->second) {
      RagRow row = rag_row(info);
      row.labels = series->labels;
      row.target = series->target;
      row.has_value = true;
      row.value_text = series->value_text;
      if (!series->history.empty()) row.raw_value = series->history.back().value;
      row.value = series->value.value_or(row.raw_value);
      row.previous_value_text = series->previous_value_text;
      row.date = series->date;
      row.band = series->band;
      row.trend = series->trend;
      row.history = series->history;
      row.shades = series->shades;
      if (series->history.size() >= 2) row.previous_date = series->history[series->history.size() - 2].date;
      count(counts, row.band);
      group->rows.push_back(std::move(row));
    }
  }
  if (!ungrouped.rows.empty()) groups.push_back(std::move(ungrouped));
  std::erase_if(groups, [](const RagGroup& g) { return g.rows.empty(); });
  for (RagGroup& group : groups) benchmark_columns(group, source.benchmarks);
  return groups;
}

}  // namespace

BuildResult build_model(const Source& source, const Options& options) {
  BuildResult result;
  ReportModel& model = result.model;
  model.title = options.title;
  model.as_of = source.as_of;
  model.meeting_date = options.meeting_date.value_or(source.as_of);

  if (options.route) {
    auto found = std::find_if(source.routes.begin(), source.routes.end(),
                              [&](const RouteInfo& r) { return r.name == *options.route; });
    if (found == source.routes.end()) {
      std::vector<std::string> names;
      for (const RouteInfo& r : source.routes) names.push_back(r.name);
      result.error = "unknown route '" + *options.route + "'";
      std::string hint = did_you_mean(*options.route, names);
      if (!hint.empty()) result.error += "; did you mean '" + hint + "'?";
      else if (!names.empty()) {
        result.error += " (routes:";
        for (const std::string& name : names) result.error += " " + name;
        result.error += ")";
      }
      return result;
    }
    model.routes.push_back(route_report(&*found, source, options, model.meeting_date));
  } else {
    for (const RouteInfo& route : source.routes) {
      RouteReport report = route_report(&route, source, options, model.meeting_date);
      if (report.items.empty()) model.quiet_routes.push_back(report.title);
      else model.routes.push_back(std::move(report));
    }
    RouteReport unrouted = route_report(nullptr, source, options, model.meeting_date);
    if (!unrouted.items.empty()) model.routes.push_back(std::move(unrouted));
  }
  model.groups = rag_groups(source, model.counts, model.no_data);
  return result;
}

}  // namespace bandwatch::report
