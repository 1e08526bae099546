// `bandwatch test FILE|DIR... [--junit FILE]`: runs the `test` blocks of rule files. All the
// non-test items of the given files form one program; each test starts from a fresh engine, its
// `at DATE { samples }` steps ingest and evaluate, and each `expect` checks the state after the
// latest evaluation. A failure prints `file:line:col: <expectation>: <what happened instead>`.
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "command.hpp"
#include "commands.hpp"
#include "engine/batch.hpp"
#include "loader/rule_files.hpp"
#include "engine/engine.hpp"

namespace bandwatch::cli {
namespace {

namespace po = boost::program_options;
using namespace bandwatch::engine;

std::string matchers_text(const std::vector<ast::LabelMatcher>& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += labels[i].label + (labels[i].negated ? "!=\"" : "=\"") + labels[i].value + "\"";
  }
  return out + "}";
}

std::string labels_text(const Labels& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += labels[i].name + "=\"" + labels[i].value + "\"";
  }
  return out + "}";
}

std::string expectation_text(const ast::ExpectStep& step) {
  std::string target = step.target + matchers_text(step.labels);
  switch (step.kind) {
    case ast::ExpectKind::band: return "expect " + target + " " + step.outcome;
    case ast::ExpectKind::alert: return "expect alert " + target + " " + step.outcome;
    case ast::ExpectKind::no_alert: return "expect no alert " + target;
    case ast::ExpectKind::value:
      return "expect value " + target + " " + (step.value.text.empty() ? format_value(step.value.value, step.value.unit) : step.value.text);
  }
  return "expect";
}

/// Whether `labels` satisfy every matcher (a subset match: unnamed labels may be anything).
bool matches(const Labels& labels, const std::vector<ast::LabelMatcher>& matchers) {
  for (const ast::LabelMatcher& m : matchers) {
    std::string value;
    for (const Label& l : labels)
      if (l.name == m.label) value = l.value;
    if ((value == m.value) == m.negated) return false;
  }
  return true;
}

/// Decimal places written in a number: "23.6" -> 1, "110%" -> 0, "£7.711m" -> 3.
int decimals_written(const std::string& text) {
  std::size_t dot = text.find('.');
  if (dot == std::string::npos) return 0;
  int n = 0;
  for (std::size_t i = dot + 1; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) ++n;
  return n;
}

/// A value matches when it prints as written: 19.565 matches `19.6%`, within half a unit of the
/// last decimal written (money written in k or m scales accordingly).
bool value_matches(double actual, const ast::Quantity& expected) {
  double scale = 1;
  if (expected.unit == ast::Unit::gbp) {
    if (expected.text.ends_with("m")) scale = 1e6;
    else if (expected.text.ends_with("k")) scale = 1e3;
    else if (expected.text.ends_with("bn")) scale = 1e9;
  }
  double tolerance = 0.5 * std::pow(10.0, -decimals_written(expected.text)) * scale;
  if (expected.text.empty()) tolerance = 1e-9 * std::max(1.0, std::fabs(expected.value));
  return std::fabs(actual - expected.value) <= tolerance * (1 + 1e-9);
}

struct Failure {
  std::string file;
  ast::Location loc;
  std::string expectation;
  std::string actual;
};

struct TestResult {
  std::string name;
  std::string file;
  std::vector<Failure> failures;
  double seconds = 0;
};

/// Checks one expectation against the engine; returns what happened instead, or empty.
std::string check(const Engine& engine, const ast::ExpectStep& step) {
  switch (step.kind) {
    case ast::ExpectKind::band: {
      std::vector<IndicatorValue> found;
      for (IndicatorValue& v : engine.indicator_values())
        if (v.indicator == step.target && matches(v.labels, step.labels)) found.push_back(std::move(v));
      if (found.empty()) return "no value of " + step.target + matchers_text(step.labels) + " has been classified";
      for (const IndicatorValue& v : found)
        if (to_string(v.band) != step.outcome)
          return "got " + std::string(to_string(v.band)) + " (value " + format_value(v.value, v.unit) +
                 (v.target.empty() ? "" : "; bands " + v.target) + ")" +
                 (found.size() > 1 ? " for " + labels_text(v.labels) : "");
      return {};
    }
    case ast::ExpectKind::alert: {
      std::string seen;
      for (const Alert& a : engine.open_alerts(true)) {
        if (a.rule != step.target || !matches(a.labels, step.labels)) continue;
        std::string what = a.state == AlertState::pending ? "pending" : std::string(ast::to_string(a.severity));
        if (what == step.outcome) return {};
        seen += (seen.empty() ? "" : ", ") + what + " " + labels_text(a.labels) + " at " + a.formatted_value;
      }
      return seen.empty() ? "no alert is open" : "got " + seen;
    }
    case ast::ExpectKind::no_alert: {
      for (const Alert& a : engine.open_alerts(false))
        if (a.rule == step.target && matches(a.labels, step.labels))
          return "alert #" + std::to_string(a.id) + " is open: " + std::string(ast::to_string(a.severity)) + " " +
                 labels_text(a.labels) + " since " + a.since.iso() + ", \"" + a.message + "\"";
      return {};
    }
    case ast::ExpectKind::value: {
      std::vector<std::pair<Labels, std::pair<double, double>>> found;  // labels, (raw, shown)
      std::vector<MetricValue> metric = engine.metric_values(step.target);
      ast::Unit unit = ast::Unit::none;
      for (MetricValue& v : metric)
        if (matches(v.labels, step.labels)) {
          found.push_back({std::move(v.labels), {v.value, v.value}});
          unit = v.unit;
        }
      if (metric.empty())
        for (IndicatorValue& v : engine.indicator_values())
          if (v.indicator == step.target && matches(v.labels, step.labels)) {
            found.push_back({std::move(v.labels), {v.raw_value, v.value}});
            unit = v.unit;
          }
      if (found.empty()) return "no value of " + step.target + matchers_text(step.labels);
      for (const auto& [labels, values] : found)
        if (!value_matches(values.first, step.value) && !value_matches(values.second, step.value)) {
          char raw[40];
          std::snprintf(raw, sizeof raw, "%.6g", values.first);
          return "got " + format_value(values.first, unit) + " (" + raw + ")" +
                 (found.size() > 1 ? " for " + labels_text(labels) : "");
        }
      return {};
    }
  }
  return {};
}

TestResult run_test(const std::vector<ast::File>& program, const ast::File& file, const ast::TestDecl& test) {
  auto start = std::chrono::steady_clock::now();
  TestResult result{test.name, file.path, {}, 0};
  Engine engine;
  LoadResult loaded = engine.load(program);
  if (!loaded.ok()) {
    result.failures.push_back({file.path, test.loc, "load the rules", "the engine refused them"});
    return result;
  }
  bool evaluated = false;
  for (const auto& step : test.steps) {
    if (const auto* at = std::get_if<ast::AtStep>(&step)) {
      engine.begin_batch();
      for (const ast::SampleLine& line : at->samples) {
        std::vector<LabelView> labels;
        for (const ast::LabelMatcher& l : line.labels) labels.push_back({l.label, l.value});
        IngestResult ingested = engine.ingest(Sample{line.metric, labels, line.value.value, at->as_of});
        if (ingested.status != IngestStatus::ok)
          result.failures.push_back({file.path, line.loc, "sample " + line.metric + matchers_text(line.labels),
                                     describe_ingest(engine, line.metric, labels, line.value.value, at->as_of, ingested)});
      }
      Evaluation evaluation = engine.evaluate(at->as_of);
      if (!evaluation.ok) result.failures.push_back({file.path, at->loc, "at " + at->as_of.iso(), evaluation.error});
      evaluated = true;
    } else {
      const auto& expect = std::get<ast::ExpectStep>(step);
      std::string actual = evaluated ? check(engine, expect) : "nothing has been evaluated yet (no `at` step before it)";
      if (!actual.empty()) result.failures.push_back({file.path, expect.loc, expectation_text(expect), actual});
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

bool write_junit(const std::string& path, const std::vector<TestResult>& results) {
  std::size_t failures = 0;
  double seconds = 0;
  for (const TestResult& r : results) {
    failures += !r.failures.empty();
    seconds += r.seconds;
  }
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  char head[200];
  std::snprintf(head, sizeof head, "<testsuites tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", results.size(), failures, seconds);
  xml += head;
  std::snprintf(head, sizeof head, "  <testsuite name=\"bandwatch\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", results.size(), failures, seconds);
  xml += head;
  for (const TestResult& r : results) {
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", r.seconds);
    xml += "    <testcase classname=\"" + xml_escape(r.file) + "\" name=\"" + xml_escape(r.name) + "\" time=\"" + time + "\"";
    if (r.failures.empty()) {
      xml += "/>\n";
      continue;
    }
    xml += ">\n";
    const Failure& first = r.failures.front();
    std::string body;
    for (const Failure& f : r.failures)
      body += f.file + ":" + std::to_string(f.loc.line) + ":" + std::to_string(f.loc.column) + ": " + f.expectation + ": " + f.actual + "\n";
    xml += "      <failure message=\"" + xml_escape(first.expectation + ": " + first.actual) + "\">" + xml_escape(body) + "</failure>\n";
    xml += "    </testcase>\n";
  }
  xml += "  </testsuite>\n</testsuites>\n";
  std::ofstream out(path, std::ios::binary);
  out << xml;
  return static_cast<bool>(out);
}

}  // namespace

int run_test(const Arguments& args) {
  Command command("test", "[options] FILE|DIR...",
                  "Runs the `test` blocks of rule files against the program made of all the files' other\n"
                  "items. Exit 0 when every expectation holds, 1 on any failure or rules error.");
  command.options()
      ("junit", po::value<std::string>(), "also write a JUnit XML report to this file")
      ("filter", po::value<std::string>(), "run only tests whose name contains this text")
      ("verbose,v", "print every test, not only failures, and the files read");
  loader::CollectOptions collect;
  command.add(rule_files_group(collect));
  command.positional("paths", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("paths")) return command.usage_error("no rule files given");
  loader::LoadedRules loaded = loader::load_rules(command.get<std::vector<std::string>>("paths"), collect);
  loader::check_program(loaded);
  print_files_read(loaded, command.has("verbose"));
  std::vector<Diagnostic> errors;
  for (const Diagnostic& d : loaded.diagnostics)
    if (d.severity == Severity::error) errors.push_back(d);
  if (errors.empty()) {
    Engine probe;
    LoadResult result = probe.load(loaded.files);
    for (const Diagnostic& d : result.diagnostics)
      if (d.severity == Severity::error) errors.push_back(d);
  }
  if (!errors.empty()) {
    print_diagnostics(errors, loaded.sources);
    return command.fail("the rules have errors; no test was run");
  }
  std::string filter = command.has("filter") ? command.get<std::string>("filter") : "";
  bool verbose = command.has("verbose");
  std::vector<TestResult> results;
  std::size_t expectations_failed = 0;
  for (const ast::File& file : loaded.files) {
    for (const ast::Item& item : file.items) {
      const auto* test = std::get_if<ast::TestDecl>(&item);
      if (!test || (!filter.empty() && test->name.find(filter) == std::string::npos)) continue;
      TestResult result = run_test(loaded.files, file, *test);
      for (const Failure& f : result.failures) {
        std::fprintf(stdout, "%s:%u:%u: %s: %s\n", f.file.c_str(), f.loc.line, f.loc.column, f.expectation.c_str(),
                     f.actual.c_str());
        ++expectations_failed;
      }
      if (!result.failures.empty())
        std::fprintf(stdout, "FAIL  %s  (%s:%u)\n", test->name.c_str(), file.path.c_str(), test->loc.line);
      else if (verbose)
        std::fprintf(stdout, "ok    %s\n", test->name.c_str());
      results.push_back(std::move(result));
    }
  }
  std::size_t failed = 0;
  for (const TestResult& r : results) failed += !r.failures.empty();
  std::fprintf(stdout, "%zu test%s, %zu passed, %zu failed (%zu expectation%s not met)\n", results.size(),
               results.size() == 1 ? "" : "s", results.size() - failed, failed, expectations_failed,
               expectations_failed == 1 ? "" : "s");
  if (command.has("junit") && !write_junit(command.get<std::string>("junit"), results))
    return command.fail("cannot write " + command.get<std::string>("junit"));
  return failed ? kExitFailed : kExitOk;
}

}  // namespace bandwatch::cli
