// Helpers for the engine tests: load rules from text, send samples written as sample lines,
// evaluate, and look events and values up by name.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/sample_line.hpp"
#include "rules/parser.hpp"

namespace bandwatch::engine::testing {

inline Date day(std::string_view iso) { return *parse_iso_date(iso); }

/// Parses `text` (which must be valid) and loads it; fails the test on any error.
inline void load(Engine& engine, std::string_view text) {
  ParseResult parsed = parse(text, "test.bw");
  ASSERT_TRUE(parsed.ok()) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics.front().message);
  LoadResult result = engine.load({parsed.file});
  ASSERT_TRUE(result.ok()) << (result.diagnostics.empty() ? "" : result.diagnostics.front().message);
}

/// Diagnostics of loading `text` (the text must parse).
inline std::vector<Diagnostic> load_errors(std::string_view text) {
  ParseResult parsed = parse(text, "test.bw");
  EXPECT_TRUE(parsed.ok()) << (parsed.diagnostics.empty() ? "" : parsed.diagnostics.front().message);
  Engine engine;
  return engine.load({parsed.file}).diagnostics;
}

/// Sends sample lines (one per line, dated `as_of` unless the line has a date) as one batch.
inline void send(Engine& engine, std::string_view lines, Date as_of) {
  engine.begin_batch();
  ParsedSample parsed;
  std::string error;
  std::size_t column = 0;
  while (!lines.empty()) {
    std::size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    lines = nl == std::string_view::npos ? std::string_view{} : lines.substr(nl + 1);
    LineKind kind = parse_sample_line(line, parsed, error, column);
    ASSERT_NE(kind, LineKind::error) << line << ": " << error;
    if (kind == LineKind::blank) continue;
    IngestResult result = engine.ingest(Sample{parsed.metric, parsed.labels, parsed.value, parsed.date.value_or(as_of)});
    ASSERT_EQ(result.status, IngestStatus::ok) << line << ": " << to_string(result.status);
  }
}

/// Sends, then evaluates at `as_of`.
inline Evaluation step(Engine& engine, std::string_view lines, std::string_view as_of) {
  Date date = day(as_of);
  send(engine, lines, date);
  Evaluation evaluation = engine.evaluate(date);
  EXPECT_TRUE(evaluation.ok) << evaluation.error;
  return evaluation;
}

/// "fired amber practitioner_caseload{team=T,worker=W}" for each event: compact and readable in
/// test failures.
inline std::vector<std::string> describe(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) {
    std::string text = std::string(to_string(e.kind)) + " " + std::string(ast::to_string(e.severity)) + " " + e.rule;
    if (!e.labels.empty()) {
      text += "{";
      for (std::size_t i = 0; i < e.labels.size(); ++i) text += (i ? "," : "") + e.labels[i].name + "=" + e.labels[i].value;
      text += "}";
    }
    out.push_back(text);
  }
  return out;
}

inline std::optional<IndicatorValue> value_of(const Engine& engine, std::string_view indicator,
                                               const Labels& labels = {}) {
  for (IndicatorValue& v : engine.indicator_values())
    if (v.indicator == indicator && v.labels == labels) return v;
  return std::nullopt;
}

inline std::optional<Band> band_of(const Engine& engine, std::string_view indicator, const Labels& labels = {}) {
  auto v = value_of(engine, indicator, labels);
  if (!v) return std::nullopt;
  return v->band;
}

inline std::optional<double> metric_value(const Engine& engine, std::string_view metric, const Labels& labels = {}) {
  for (const MetricValue& v : engine.metric_values(metric))
    if (v.labels == labels) return v.value;
  return std::nullopt;
}

inline std::optional<Alert> alert_of(const Engine& engine, std::string_view rule, const Labels& labels = {}) {
  for (Alert& a : engine.open_alerts(true))
    if (a.rule == rule && a.labels == labels) return a;
  return std::nullopt;
}

}  // namespace bandwatch::engine::testing
