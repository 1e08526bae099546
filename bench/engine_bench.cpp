// Engine throughput on the shared workload (../shared/bench-anchors/gen_workload.py): M metrics,
// each an indicator with three bands (or a rule), S series per metric, P fortnightly periods,
// values from the same LCG so every engine sees the same numbers. Counts samples per second
// through ingest + evaluate (events included) and bytes of engine memory per series.
//
//   engine_bench                                  # 1,000 indicators x 100 series x 3 periods
//   engine_bench --benchmark_filter=Rules         # 1,000 rules over the same series
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/sample_line.hpp"
#include "rules/parser.hpp"

namespace {

using namespace bandwatch;
using namespace bandwatch::engine;

constexpr int kMetrics = 1000;
constexpr int kSeries = 100;
constexpr int kPeriods = 3;

struct Workload {
  std::vector<ast::File> rules;
  std::vector<std::string> metric_names;
  std::vector<std::string> series_names;
  std::vector<double> values;  // [period][metric][series]
  std::vector<Date> dates;
};

/// The rules text of gen_workload.py: indicators, or (rules = true) one rule per metric that
/// fires amber below the green line and escalates after a period.
Workload make_workload(bool rules) {
  Workload w;
  std::string text;
  for (int m = 0; m < kMetrics; ++m) {
    std::string g = std::to_string(90 + m % 10), a = std::to_string(90 + m % 10 - 5);
    std::string name = "m" + std::to_string(m);
    w.metric_names.push_back(name);
    char line[400];
    std::snprintf(line, sizeof line, "metric %s { unit percent  labels s }\n", name.c_str());
    text += line;
    if (!rules)
      std::snprintf(line, sizeof line,
                    "indicator %s { unit percent  better higher  frame snapshot\n"
                    "  bands { green >= %s%%  amber >= %s%% and < %s%%  red < %s%% } }\n",
                    name.c_str(), g.c_str(), a.c_str(), g.c_str(), a.c_str());
    else
      std::snprintf(line, sizeof line,
                    "rule r%d { when %s < %s%%  severity amber  escalate red after 1 periods  route forum"
                    "  message \"{s}: {value}\" }\n",
                    m, name.c_str(), g.c_str());
    text += line;
  }
  if (rules) text += "route forum { title \"Forum\" }\n";
  ParseResult parsed = parse(text, "workload.bw");
  if (!parsed.ok()) {
    std::fprintf(stderr, "workload rules do not parse: %s\n", parsed.diagnostics.front().message.c_str());
    std::abort();
  }
  w.rules.push_back(std::move(parsed.file));
  for (int s = 0; s < kSeries; ++s) w.series_names.push_back(std::to_string(s));
  std::uint64_t state = 42;
  for (int p = 0; p < kPeriods; ++p) {
    w.dates.push_back(Date{Date::from_ymd(2020, 1, 7).days_since_epoch + 14 * p});
    for (int m = 0; m < kMetrics; ++m)
      for (int s = 0; s < kSeries; ++s) {
        state = (state * 1664525 + 1013904223) % 4294967296ULL;
        double v = 70 + 30 * (static_cast<double>(state) / 4294967296.0);
        w.values.push_back(std::round(v * 1000) / 1000);
      }
  }
  return w;
}

const Workload& workload(bool rules) {
  static const Workload indicators = make_workload(false);
  static const Workload rule_workload = make_workload(true);
  return rules ? rule_workload : indicators;
}

/// Ingests and evaluates every period; returns the events produced.
std::size_t run_periods(Engine& engine, const Workload& w) {
  std::vector<Engine::MetricId> ids;
  for (const std::string& name : w.metric_names) ids.push_back(*engine.metric_id(name));
  std::size_t events = 0, i = 0;
  for (int p = 0; p < kPeriods; ++p) {
    Date date = w.dates[static_cast<std::size_t>(p)];
    for (int m = 0; m < kMetrics; ++m)
      for (int s = 0; s < kSeries; ++s) {
        LabelView label{"s", w.series_names[static_cast<std::size_t>(s)]};
        engine.ingest(ids[static_cast<std::size_t>(m)], std::span<const LabelView>(&label, 1), w.values[i++], date);
      }
    events += engine.evaluate(date).events.size();
  }
  return events;
}

void run(benchmark::State& state, bool rules) {
  const Workload& w = workload(rules);
  std::size_t events = 0, bytes = 0, series = 0;
  std::optional<Engine> engine;
  for (auto _ : state) {
    state.PauseTiming();
    engine.reset();  // tearing the last one down is not part of the measure
    engine.emplace();
    if (!engine->load(w.rules).ok()) state.SkipWithError("rules refused");
    state.ResumeTiming();
    events = run_periods(*engine, w);
    state.PauseTiming();
    bytes = engine->memory_bytes();
    series = engine->series_count();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kMetrics * kSeries * kPeriods);
  state.counters["series"] = static_cast<double>(series);
  state.counters["events_per_run"] = static_cast<double>(events);
  state.counters["bytes_per_series"] = series ? static_cast<double>(bytes) / static_cast<double>(series) : 0;
}

void BM_Indicators(benchmark::State& state) { run(state, false); }
void BM_Rules(benchmark::State& state) { run(state, true); }

/// The sample line parser alone, on the workload's line shape.
void BM_ParseSampleLine(benchmark::State& state) {
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i)
    lines.push_back("m" + std::to_string(i % 1000) + "{s=\"" + std::to_string(i % 100) + "\"} 93.125 2020-01-07");
  ParsedSample parsed;
  std::string error;
  std::size_t column = 0, n = 0;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      benchmark::DoNotOptimize(parse_sample_line(line, parsed, error, column));
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

BENCHMARK(BM_Indicators)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_Rules)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();
BENCHMARK(BM_ParseSampleLine);

}  // namespace

BENCHMARK_MAIN();
