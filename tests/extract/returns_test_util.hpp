// What the returns tests share: capturing an import's samples and problems, and working the
// built-in measures (data/returns/metrics.bw) out of the samples with the real engine.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "engine/batch.hpp"
#include "engine/engine.hpp"
#include "extract/importer.hpp"
#include "extract/returns.hpp"
#include "rules/checker.hpp"
#include "rules/parser.hpp"

namespace bandwatch::extract {

struct Captured {
  std::string samples;
  std::vector<std::string> problems;
  SampleSink sink() {
    return [this](std::string_view lines) { samples.append(lines); };
  }
  ImportReporter reporter() {
    return ImportReporter{[this](const std::string& line) { problems.push_back(line); }, nullptr};
  }
  std::vector<std::string> sorted_samples() const {
    std::vector<std::string> lines;
    std::istringstream in(samples);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

/// The engine loaded with the built-in metrics, fed `samples` and evaluated at `as_of`.
class MeasureEngine {
 public:
  MeasureEngine(const std::string& samples, Date as_of) {
    ParseResult parsed = parse(builtin_metrics(), "metrics.bw");
    for (const Diagnostic& d : parsed.diagnostics) problems_ += "metrics.bw: " + d.message + "\n";
    std::vector<ast::File> files{parsed.file};
    for (const Diagnostic& d : check(files))
      if (d.severity == Severity::error) problems_ += "check: " + d.message + "\n";
    engine::LoadResult loaded = engine_.load(files);
    for (const Diagnostic& d : loaded.diagnostics)
      if (d.severity == Severity::error) problems_ += "load: " + d.message + "\n";
    engine::BatchOptions options;
    options.as_of = as_of;
    engine::BatchOutcome outcome = engine::ingest_batch(engine_, samples, options);
    for (const engine::LineProblem& p : outcome.problems)
      problems_ += "line " + std::to_string(p.line) + ": " + p.message + "\n";
    engine_.evaluate(as_of);
  }

  const std::string& problems() const { return problems_; }

  /// "5", or "legal_status=C1 1; legal_status=C2 3" for a metric with labels; figures to 2 places.
  std::string values(std::string_view metric) const {
    std::string out;
    for (const engine::MetricValue& value : engine_.metric_values(metric)) {
      if (!out.empty()) out += "; ";
      for (const engine::Label& label : value.labels) out += label.name + "=" + label.value + " ";
      char number[32];
      std::snprintf(number, sizeof number, "%.2f", value.value);
      std::string text = number;
      while (text.back() == '0') text.pop_back();
      if (text.back() == '.') text.pop_back();
      out += text;
    }
    return out;
  }

 private:
  engine::Engine engine_;
  std::string problems_;
};

}  // namespace bandwatch::extract
