// `bandwatch eval --rules PATH... --samples FILE... [--format text|json|summary]`: replays sample
// files through the engine, one evaluation per distinct as-of date in date order, and prints the
// RAG table and events of each (text), one JSON object, or band counts (summary, for benchmarks).
// Files are read whole and parsed in place; lines become compact records sorted by date.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <tuple>
#include <iostream>
#include <map>

#include "command.hpp"
#include "commands.hpp"
#include "protocol/protocol.hpp"
#include "loader/rule_files.hpp"
#include "clients/sample_files.hpp"
#include "engine/engine.hpp"
#include "engine/sample_line.hpp"

namespace bandwatch::cli {
namespace {

namespace po = boost::program_options;
using namespace bandwatch::engine;

// JSON is written as the daemon writes it (valid UTF-8 whatever the bytes of a label).
using protocol::append_json_number;
using protocol::append_json_string;

template <typename LabelRange>
void json_labels(std::string& out, const LabelRange& labels) {
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, l.name);
    out += ':';
    append_json_string(out, l.value);
  }
  out += '}';
}

// The fields an event and an alert share, in the order both print them.
template <typename EventOrAlert>
void json_alert_fields(std::string& out, const EventOrAlert& a) {
  out += ",\"source\":";
  append_json_string(out, to_string(a.source));
  out += ",\"rule\":";
  append_json_string(out, a.rule);
  out += ",\"labels\":";
  json_labels(out, a.labels);
  out += ",\"severity\":";
  append_json_string(out, ast::to_string(a.severity));
  out += ",\"value\":";
  append_json_number(out, a.value);
  out += ",\"formatted_value\":";
  append_json_string(out, a.formatted_value);
  out += ",\"message\":";
  append_json_string(out, a.message);
  out += ",\"routes\":[";
  for (std::size_t i = 0; i < a.routes.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, a.routes[i]);
  }
  out += ']';
}

void json_event(std::string& out, const Event& e) {
  out += "{\"event\":";
  append_json_string(out, to_string(e.kind));
  out += ",\"id\":";
  out += std::to_string(e.alert_id);
  json_alert_fields(out, e);
  out += ",\"as_of\":";
  append_json_string(out, e.as_of.iso());
  out += ",\"since\":";
  append_json_string(out, e.since.iso());
  out += '}';
}

void json_alert(std::string& out, const Alert& a) {
  out += "{\"id\":";
  out += std::to_string(a.id);
  json_alert_fields(out, a);
  out += ",\"since\":";
  append_json_string(out, a.since.iso());
  out += '}';
}

std::string_view arrow(Trend trend) {
  switch (trend) {
    case Trend::improving: return "▲ improving";
    case Trend::declining: return "▼ declining";
    case Trend::unchanged: return "► unchanged";
    case Trend::none: break;
  }
  return "-";
}

std::string labels_text(std::span<const LabelView> labels) {
  std::string out;
  for (const LabelView& l : labels) {
    if (!out.empty()) out += ", ";
    out += l.name;
    out += '=';
    out += l.value;
  }
  return out;
}

std::string labels_text(const Labels& labels) {
  std::string out;
  for (const Label& l : labels) {
    if (!out.empty()) out += ", ";
    out += l.name + "=" + l.value;
  }
  return out;
}

/// Display columns of UTF-8 text (enough for arrows and £).
std::size_t columns_of(std::string_view s) {
  std::size_t columns = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++columns;
  return columns;
}

/// Shortens text to `width` display columns, marking the cut with an ellipsis.
std::string clip(std::string_view s, std::size_t width) {
  if (columns_of(s) <= width) return std::string(s);
  std::string out;
  std::size_t columns = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++columns > width - 1) break;
    out += s[i];
  }
  return out + "…";
}

/// Pads to a width in display columns.
std::string pad(std::string_view s, std::size_t width) {
  std::size_t columns = columns_of(s);
  std::string out(s);
  if (columns < width) out.append(width - columns, ' ');
  return out;
}

void text_event(std::string& out, const Event& e) {
  out += "  ";
  out += pad(to_string(e.kind), 13);
  out += pad(ast::to_string(e.severity), 6);
  out += e.rule;
  if (!e.labels.empty()) {
    out += '{';
    out += labels_text(e.labels);
    out += '}';
  }
  out += "  ";
  out += e.formatted_value;
  out += "  \"";
  out += e.message;
  out += '"';
  if (!e.routes.empty()) {
    out += "  ->";
    for (const std::string& r : e.routes) {
      out += ' ';
      out += r;
    }
  }
  if (e.alert_id) out += "  #" + std::to_string(e.alert_id);
  out += '\n';
}

}  // namespace

int run_eval(const Arguments& args) {
  po::options_description options(
      "usage: bandwatch eval --rules PATH... --samples FILE... [options]\n\n"
      "Replays sample files through the rules: one evaluation per distinct as-of date, in date\n"
      "order, carrying alert state between them. Sample lines: metric{label=\"v\",...} value DATE.\n"
      "Exit 0 on success, 1 when rules have errors or a sample line is bad (the good ones are\n"
      "still evaluated), 2 on usage errors.\n\noptions");
  options.add_options()("help,h", "show this help")
      ("rules,r", po::value<std::vector<std::string>>()->multitoken(), "rule files or directories")
      ("samples,s", po::value<std::vector<std::string>>()->multitoken(), "sample files ('-' for stdin)")
      ("format,f", po::value<std::string>()->default_value("text"), "text | json | summary")
      ("as-of", po::value<std::string>(), "as-of date for lines without one (YYYY-MM-DD)")
      ("timing", "print timings to stderr");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (!vm.count("rules") || !vm.count("samples")) {
    std::cerr << options << "\n";
    return 2;
  }
  std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "summary") {
    std::cerr << "bandwatch eval: --format is text, json or summary\n";
    return 2;
  }
  std::optional<Date> default_date;
  if (vm.count("as-of")) {
    default_date = parse_iso_date(vm["as-of"].as<std::string>());
    if (!default_date) {
      std::cerr << "bandwatch eval: --as-of wants a date YYYY-MM-DD\n";
      return 2;
    }
  }
  bool timing = vm.count("timing") > 0;
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();

  // Rules.
  loader::LoadedRules loaded = loader::load_rules(vm["rules"].as<std::vector<std::string>>());
  loader::check_program(loaded);
  Engine engine;
  if (!has_errors(loaded.diagnostics)) {
    LoadResult result = engine.load(loaded.files);
    loaded.diagnostics.insert(loaded.diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
  }
  std::vector<Diagnostic> shown;
  for (const Diagnostic& d : loaded.diagnostics)
    if (d.severity == Severity::error) shown.push_back(d);
  print_diagnostics(shown, loaded.sources);
  if (has_errors(loaded.diagnostics)) return 1;
  auto t_rules = Clock::now();

  // Samples: every line parsed and resolved, then replayed one evaluation per as-of date.
  SampleFiles samples;
  std::string error;
  if (!samples.read(engine, vm["samples"].as<std::vector<std::string>>(), default_date, error)) {
    std::cerr << "bandwatch eval: " << error << "\n";
    return 1;
  }
  auto t_read = Clock::now();

  std::string out;
  std::map<std::string, std::size_t> band_counts = {{"green", 0}, {"amber", 0}, {"red", 0}, {"unbanded", 0}, {"small_cohort", 0}};
  std::map<std::string, std::size_t> event_counts;
  std::size_t evaluations = 0;
  if (format == "json") out += "{\"evaluations\":[";
  double visit_seconds = 0;  // formatting, excluded from the engine's time
  auto replay_start = Clock::now();
  bool replayed = samples.replay(engine, [&](const Evaluation& evaluation) {
    auto visit_start = Clock::now();
    Date date = evaluation.as_of;
    ++evaluations;
    for (const Event& e : evaluation.events) ++event_counts[std::string(to_string(e.kind))];
    if (format == "summary") {
      engine.for_each_indicator_value([&](const IndicatorValueView& v) {
        if (v.updated) ++band_counts[std::string(to_string(v.band))];
      });
    } else if (format == "json") {
      if (evaluations > 1) out += ',';
      out += "\n{\"as_of\":";
      append_json_string(out, date.iso());
      out += ",\"indicators\":[";
      bool first = true;
      engine.for_each_indicator_value([&](const IndicatorValueView& v) {
        out += first ? "\n" : ",\n";
        first = false;
        out += "{\"indicator\":";
        append_json_string(out, v.indicator);
        out += ",\"labels\":";
        json_labels(out, v.labels);
        out += ",\"value\":";
        append_json_number(out, v.value);
        out += ",\"raw_value\":";
        append_json_number(out, v.raw_value);
        out += ",\"formatted_value\":";
        append_json_string(out, format_value(v.value, v.unit));
        out += ",\"band\":";
        append_json_string(out, to_string(v.band));
        out += ",\"trend\":";
        append_json_string(out, to_string(v.trend));
        out += ",\"date\":";
        append_json_string(out, v.date.iso());
        out += ",\"target\":";
        append_json_string(out, v.target);
        out += '}';
      });
      out += "],\"events\":[";
      for (std::size_t k = 0; k < evaluation.events.size(); ++k) {
        out += k ? ",\n" : "\n";
        json_event(out, evaluation.events[k]);
      }
      out += "]}";
    } else {
      out += "As of " + date.iso() + " (" + date.uk() + ")\n";
      std::vector<std::array<std::string, 6>> rows;
      rows.push_back({"Indicator", "Labels", "Value", "Band", "Trend", "Target"});
      std::map<std::string, std::string> titles;
      for (const IndicatorInfo& info : engine.indicators()) titles[info.name] = info.title;
      engine.for_each_indicator_value([&](const IndicatorValueView& v) {
        rows.push_back({clip(titles[std::string(v.indicator)], 60), clip(labels_text(v.labels), 60), format_value(v.value, v.unit),
                        std::string(to_string(v.band)), std::string(arrow(v.trend)), std::string(v.target)});
      });
      std::array<std::size_t, 6> width{};
      for (const auto& row : rows)
        for (std::size_t c = 0; c < 6; ++c) width[c] = std::max(width[c], columns_of(row[c]));
      for (const auto& row : rows) {
        out += "  ";
        for (std::size_t c = 0; c < 6; ++c) {
          out += c == 5 ? row[c] : pad(row[c], width[c]);
          if (c < 5) out += "  ";
        }
        out += '\n';
      }
      if (!evaluation.events.empty()) {
        out += "Events\n";
        for (const Event& e : evaluation.events) text_event(out, e);
      }
      out += '\n';
    }
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
    visit_seconds += std::chrono::duration<double>(Clock::now() - visit_start).count();
  }, error);
  double evaluate_seconds = std::chrono::duration<double>(Clock::now() - replay_start).count() - visit_seconds;
  if (!replayed) {
    std::cerr << "bandwatch eval: " << error << "\n";
    return 1;
  }
  std::size_t ingested = samples.ingested();
  std::vector<SampleLineError> errors = samples.errors();
  std::vector<Alert> open = format == "summary" ? std::vector<Alert>{} : engine.open_alerts();
  if (format == "json") {
    out += "],\n\"open_alerts\":[";
    for (std::size_t k = 0; k < open.size(); ++k) {
      out += k ? ",\n" : "\n";
      json_alert(out, open[k]);
    }
    out += "]}\n";
  } else if (format == "summary") {
    out += "{\"evaluations\":" + std::to_string(evaluations) + ",\"samples\":" + std::to_string(ingested) +
           ",\"series\":" + std::to_string(engine.series_count()) + ",\"bands\":{";
    bool first = true;
    for (const char* band : {"green", "amber", "red", "unbanded", "small_cohort"}) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, band);
      out += ':' + std::to_string(band_counts[band]);
    }
    out += "},\"events\":{";
    first = true;
    for (const auto& [kind, n] : event_counts) {
      if (!first) out += ',';
      first = false;
      append_json_string(out, kind);
      out += ':' + std::to_string(n);
    }
    out += "},\"open_alerts\":" + std::to_string(engine.open_alert_count()) + ",\"bad_lines\":" + std::to_string(errors.size()) + "}\n";
  } else {
    out += "Open alerts (" + std::to_string(open.size()) + ")\n";
    for (const Alert& a : open) {
      out += "  #" + std::to_string(a.id) + "  " + pad(ast::to_string(a.severity), 6) + a.rule;
      if (!a.labels.empty()) out += "{" + labels_text(a.labels) + "}";
      out += "  " + a.formatted_value + "  since " + a.since.iso() + "  \"" + a.message + "\"\n";
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  auto t_end = Clock::now();

  print_sample_errors(errors);
  if (timing) {
    auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::fprintf(stderr,
                 "timing: rules %.3f s, read+parse %.3f s, ingest+evaluate %.3f s (%.0f samples/s), "
                 "output %.3f s, total %.3f s; %zu series, %.0f bytes/series\n",
                 s(t0, t_rules), s(t_rules, t_read), evaluate_seconds,
                 evaluate_seconds > 0 ? static_cast<double>(ingested) / evaluate_seconds : 0.0,
                 s(t_read, t_end) - evaluate_seconds, s(t0, t_end), engine.series_count(),
                 engine.series_count() ? static_cast<double>(engine.memory_bytes()) / static_cast<double>(engine.series_count()) : 0.0);
  }
  return errors.empty() ? 0 : 1;
}

}  // namespace bandwatch::cli
