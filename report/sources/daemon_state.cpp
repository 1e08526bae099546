// The `report` control command's JSON (see daemon_state.hpp).
#include "report/daemon_state.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "report/bands.hpp"
#include "report/engine_source.hpp"
#include "json_fields.hpp"

namespace bandwatch::report {

using nlohmann::json;

namespace {

json number(double value) {
  if (!std::isfinite(value)) return nullptr;
  if (value == std::floor(value) && std::fabs(value) < 1e15) return static_cast<std::int64_t>(value);
  return value;
}

std::optional<Date> date_of(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return parse_iso_date(value.get_ref<const std::string&>());
}

std::optional<DurationUnit> duration_unit(std::string_view text) {
  for (DurationUnit unit : {DurationUnit::days, DurationUnit::weeks, DurationUnit::months, DurationUnit::years,
                            DurationUnit::periods})
    if (to_string(unit) == text) return unit;
  return std::nullopt;
}

template <typename Enum>
Enum enum_of(const json& value, std::initializer_list<Enum> all, Enum fallback) {
  if (!value.is_string()) return fallback;
  for (Enum e : all)
    if (ast::to_string(e) == value.get_ref<const std::string&>()) return e;
  return fallback;
}

}  // namespace

json report_state_json(const engine::Engine& engine, const std::vector<ast::File>& files) {
  ProgramFacts facts = program_facts(files);
  json out;
  std::optional<Date> as_of = engine.last_as_of();
  out["as_of"] = as_of ? json(as_of->iso()) : json(nullptr);

  json routes = json::array();
  for (const RouteInfo& route : facts.routes) {
    json cadence = nullptr;
    if (route.cadence)
      cadence = {{"amount", route.cadence->amount}, {"unit", std::string(to_string(route.cadence->unit))}};
    routes.push_back({{"name", route.name}, {"title", route.title}, {"cadence", cadence}});
  }
  out["routes"] = std::move(routes);
  out["titles"] = facts.texts.titles;
  out["resolved_messages"] = facts.texts.resolved_messages;

  json indicators = json::array();
  for (const engine::IndicatorInfo& info : engine.indicators()) {
    json item = {{"name", info.name},
                 {"title", info.title},
                 {"group", info.group},
                 {"unit", std::string(ast::to_string(info.unit))},
                 {"better", std::string(ast::to_string(info.better))},
                 {"frame", std::string(ast::to_string(info.frame))},
                 {"last_year", ""},
                 {"note", ""}};
    if (auto it = facts.indicators.find(info.name); it != facts.indicators.end()) {
      item["last_year"] = it->second.last_year;
      item["note"] = it->second.note;
    }
    indicators.push_back(std::move(item));
  }
  out["indicators"] = std::move(indicators);

  // History of each indicator's own metric, keyed by metric and labels.
  std::set<std::string, std::less<>> names;
  for (const engine::IndicatorInfo& info : engine.indicators()) names.insert(info.name);
  std::map<std::pair<std::string, Labels>, const engine::SeriesRecord*> histories;
  engine::EngineState state = engine.export_state();
  std::set<Date> dates;  // the as-of dates data came in on: stand-ins for the evaluations
  for (const engine::SeriesRecord& record : state.series) {
    if (names.count(record.metric)) histories[{record.metric, to_labels(record.labels)}] = &record;
    for (const auto& point : record.history) dates.insert(point.first);
  }
  json date_list = json::array();
  // The latest hundred are plenty: a report looks back one cadence.
  auto first = dates.size() > 100 ? std::prev(dates.end(), 100) : dates.begin();
  for (auto it = first; it != dates.end(); ++it) date_list.push_back(it->iso());
  out["dates"] = std::move(date_list);

  json series = json::array();
  engine.for_each_indicator_value([&](const engine::IndicatorValueView& v) {
    Labels labels;
    json labels_json = json::object();
    for (const engine::LabelView& l : v.labels) {
      labels.emplace_back(std::string(l.name), std::string(l.value));
      labels_json[std::string(l.name)] = std::string(l.value);
    }
    json history = json::array();
    if (auto it = histories.find({std::string(v.indicator), labels}); it != histories.end()) {
      for (const auto& [date, value] : it->second->history)
        if (date <= v.date) history.push_back(json::array({date.iso(), number(value)}));
    }
    if (history.empty()) history.push_back(json::array({v.date.iso(), number(v.raw_value)}));
    std::vector<Point> points;
    for (const json& point : history)
      if (auto date = date_of(point.at(0)); date && point.at(1).is_number()) points.push_back({*date, point.at(1).get<double>()});
    std::optional<int> round;
    if (auto it = facts.indicators.find(v.indicator); it != facts.indicators.end()) round = it->second.round;
    series.push_back({{"indicator", std::string(v.indicator)},
                      {"labels", std::move(labels_json)},
                      {"value", number(v.value)},
                      {"raw_value", number(v.raw_value)},
                      {"formatted_value", engine.format_indicator_value(v.indicator, v.value)},
                      {"previous_formatted_value", previous_value_text(engine, v.indicator, points, v.date)},
                      {"band", std::string(engine::to_string(v.band))},
                      {"trend", std::string(engine::to_string(v.trend))},
                      {"date", v.date.iso()},
                      {"target", std::string(v.target)},
                      {"round", round ? json(*round) : json(nullptr)},
                      {"history", std::move(history)}});
  });
  out["series"] = std::move(series);
  json benchmarks = json::array();
  for (const BenchmarkInfo& benchmark : benchmarks_shown(facts, engine)) {
    json values = json::array();
    for (const BenchmarkValue& v : benchmark.values)
      values.push_back({{"indicator", v.indicator},
                        {"value", number(v.value)},
                        {"formatted_value", v.text},
                        {"from", v.from ? json(v.from->iso()) : json(nullptr)}});
    benchmarks.push_back({{"name", benchmark.name}, {"title", benchmark.title}, {"values", std::move(values)}});
  }
  out["benchmarks"] = std::move(benchmarks);
  return out;
}

bool read_report_state(const json& reply, Source& source, RuleTexts& texts, std::string& error) {
  try {
    if (!reply.is_object() || !reply.contains("series") || !reply.contains("indicators")) {
      error = "the daemon's answer to `report` lacks indicators and series";
      return false;
    }
    if (auto as_of = date_of(field(reply, "as_of", kNull))) source.as_of = *as_of;
    for (const json& route : field(reply, "routes", kEmptyArray)) {
      RouteInfo info;
      info.name = route.at("name").get<std::string>();
      info.title = route.value("title", info.name);
      const json& cadence = field(route, "cadence", kNull);
      if (cadence.is_object())
        if (auto unit = duration_unit(cadence.value("unit", ""))) info.cadence = Duration{cadence.value("amount", 0), *unit};
      source.routes.push_back(std::move(info));
    }
    for (const auto& [name, title] : field(reply, "titles", kEmptyObject).items()) texts.titles[name] = title.get<std::string>();
    for (const json& name : field(reply, "resolved_messages", kEmptyArray)) texts.resolved_messages.insert(name.get<std::string>());
    for (const json& item : reply.at("indicators")) {
      IndicatorInfo info;
      info.name = item.at("name").get<std::string>();
      info.title = item.value("title", info.name);
      info.group = item.value("group", "");
      info.unit = enum_of(field(item, "unit", kNull),
                          {ast::Unit::none, ast::Unit::percent, ast::Unit::count, ast::Unit::days, ast::Unit::rate_per_10k,
                           ast::Unit::gbp, ast::Unit::fte, ast::Unit::number},
                          ast::Unit::none);
      info.better = enum_of(field(item, "better", kNull),
                            {ast::Better::unspecified, ast::Better::higher, ast::Better::lower}, ast::Better::unspecified);
      info.frame = enum_of(field(item, "frame", kNull),
                           {ast::Frame::unspecified, ast::Frame::year_to_date, ast::Frame::rolling_year, ast::Frame::quarter,
                            ast::Frame::month, ast::Frame::end_of_period, ast::Frame::snapshot},
                           ast::Frame::unspecified);
      info.last_year = item.value("last_year", "");
      info.note = item.value("note", "");
      source.indicators.push_back(std::move(info));
    }
    std::set<Date> dates;
    for (const json& item : reply.at("series")) {
      SeriesInfo series;
      series.indicator = item.at("indicator").get<std::string>();
      for (const auto& [name, value] : field(item, "labels", kEmptyObject).items())
        series.labels.emplace_back(name, value.get<std::string>());
      std::sort(series.labels.begin(), series.labels.end());
      series.value_text = item.value("formatted_value", "");
      series.previous_value_text = item.value("previous_formatted_value", "");
      if (const json& value = field(item, "value", kNull); value.is_number()) series.value = value.get<double>();
      std::string band = item.value("band", "unbanded");
      for (Band b : {Band::green, Band::amber, Band::red, Band::unbanded, Band::small_cohort})
        if (to_string(b) == band) series.band = b;
      std::string trend = item.value("trend", "none");
      for (Trend t : {Trend::none, Trend::improving, Trend::declining, Trend::unchanged})
        if (to_string(t) == trend) series.trend = t;
      if (auto date = date_of(field(item, "date", kNull))) series.date = *date;
      series.target = item.value("target", "");
      std::optional<int> round;
      if (const json& r = field(item, "round", kNull); r.is_number_integer()) round = r.get<int>();
      series.shades = shades_from_target(series.target, round);
      for (const json& point : field(item, "history", kEmptyArray)) {
        auto date = date_of(point.at(0));
        if (!date || !point.at(1).is_number()) continue;
        series.history.push_back({*date, point.at(1).get<double>()});
        dates.insert(*date);
      }
      source.series.push_back(std::move(series));
    }
    // The dates data arrived on stand in for the evaluations (the default `since` of a route
    // without a cadence is the one before the latest).
    for (const json& date : field(reply, "dates", kEmptyArray))
      if (auto d = date_of(date)) dates.insert(*d);
    source.evaluations.assign(dates.begin(), dates.end());
    for (const json& item : field(reply, "benchmarks", kEmptyArray)) {
      BenchmarkInfo benchmark;
      benchmark.name = item.at("name").get<std::string>();
      benchmark.title = item.value("title", benchmark.name);
      for (const json& v : field(item, "values", kEmptyArray)) {
        if (!field(v, "value", kNull).is_number()) continue;
        benchmark.values.push_back({v.at("indicator").get<std::string>(), v["value"].get<double>(),
                                    v.value("formatted_value", ""), date_of(field(v, "from", kNull))});
      }
      source.benchmarks.push_back(std::move(benchmark));
    }
    if (source.as_of == Date{} && !dates.empty()) source.as_of = *dates.rbegin();
    return true;
  } catch (const json::exception& e) {
    error = std::string("the daemon's answer to `report` is malformed: ") + e.what();
    return false;
  }
}

}  // namespace bandwatch::report
