// `bandwatch eval --rules PATH... --samples FILE... [--format text|json|summary]`: replays sample
// files through the engine, one evaluation per distinct as-of date in date order, and prints the
// RAG table and events of each (text), one JSON object (events and alerts in the daemon's shape),
// or band counts (summary, for benchmarks). Files are read whole and parsed in place; lines become
// compact records sorted by date.
//
// In three parts: the command line (EvalRequest), the work (evaluate: rules, samples, replay),
// and the printing (an EvalPrinter per format, shown each evaluation as it is made).
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

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

std::string_view arrow(Trend trend) {
  switch (trend) {
    case Trend::improving: return "▲ improving";
    case Trend::declining: return "▼ declining";
    case Trend::unchanged: return "► unchanged";
    case Trend::none: break;
  }
  return "-";
}

// Label values and messages come from the data: printable() before they reach the terminal.
std::string labels_text(std::span<const LabelView> labels) {
  std::string out;
  for (const LabelView& l : labels) {
    if (!out.empty()) out += ", ";
    out += l.name;
    out += '=';
    out += printable(l.value);
  }
  return out;
}

std::string labels_text(const Labels& labels) {
  std::string out;
  for (const Label& l : labels) {
    if (!out.empty()) out += ", ";
    out += l.name + "=" + printable(l.value);
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
  out += printable(e.message);
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

// ---- printing ------------------------------------------------------------------------------

struct EvalTotals {
  std::size_t evaluations = 0;
  std::size_t ingested = 0;
  std::size_t bad_lines = 0;
};

/// What eval prints: shown each evaluation as it is made, then the end. Output is buffered and
/// written in blocks of about 1 MiB.
class EvalPrinter {
 public:
  virtual ~EvalPrinter() = default;
  virtual void evaluation(const Engine& engine, const Evaluation& evaluation) = 0;
  virtual void finish(const Engine& engine, const EvalTotals& totals) = 0;
  void flush() {
    std::fwrite(out_.data(), 1, out_.size(), stdout);
    std::fflush(stdout);
    out_.clear();
  }

 protected:
  void flush_if_large() {
    if (out_.size() > (1 << 20)) flush();
  }
  std::string out_;
};

/// The RAG table and events of each evaluation, then the open alerts.
class TextPrinter : public EvalPrinter {
 public:
  void evaluation(const Engine& engine, const Evaluation& evaluation) override {
    out_ += "As of " + evaluation.as_of.iso() + " (" + evaluation.as_of.uk() + ")\n";
    std::vector<std::array<std::string, 6>> rows;
    rows.push_back({"Indicator", "Labels", "Value", "Band", "Trend", "Target"});
    std::map<std::string, std::string> titles;
    for (const IndicatorInfo& info : engine.indicators()) titles[info.name] = info.title;
    engine.for_each_indicator_value([&](const IndicatorValueView& v) {
      rows.push_back({clip(titles[std::string(v.indicator)], 60), clip(labels_text(v.labels), 60), engine.format_indicator_value(v.indicator, v.value),
                      std::string(to_string(v.band)), std::string(arrow(v.trend)), std::string(v.target)});
    });
    std::array<std::size_t, 6> width{};
    for (const auto& row : rows)
      for (std::size_t c = 0; c < 6; ++c) width[c] = std::max(width[c], columns_of(row[c]));
    for (const auto& row : rows) {
      out_ += "  ";
      for (std::size_t c = 0; c < 6; ++c) {
        out_ += c == 5 ? row[c] : pad(row[c], width[c]);
        if (c < 5) out_ += "  ";
      }
      out_ += '\n';
    }
    if (!evaluation.events.empty()) {
      out_ += "Events\n";
      for (const Event& e : evaluation.events) text_event(out_, e);
    }
    out_ += '\n';
    flush_if_large();
  }
  void finish(const Engine& engine, const EvalTotals&) override {
    std::vector<Alert> open = engine.open_alerts();
    out_ += "Open alerts (" + std::to_string(open.size()) + ")\n";
    for (const Alert& a : open) {
      out_ += "  #" + std::to_string(a.id) + "  " + pad(ast::to_string(a.severity), 6) + a.rule;
      if (!a.labels.empty()) out_ += "{" + labels_text(a.labels) + "}";
      out_ += "  " + a.formatted_value + "  since " + a.since.iso() + "  \"" + printable(a.message) + "\"\n";
    }
  }
};

/// One JSON object: each evaluation's indicator values and events, then the open alerts; events
/// and alerts in the daemon's shape (protocol.hpp), so one reader reads both.
class JsonPrinter : public EvalPrinter {
 public:
  JsonPrinter() { out_ += "{\"evaluations\":["; }
  void evaluation(const Engine& engine, const Evaluation& evaluation) override {
    if (evaluations_++) out_ += ',';
    out_ += "\n{\"as_of\":";
    protocol::append_json_string(out_, evaluation.as_of.iso());
    out_ += ",\"indicators\":[";
    bool first = true;
    engine.for_each_indicator_value([&](const IndicatorValueView& v) {
      out_ += first ? "\n" : ",\n";
      first = false;
      out_ += "{\"indicator\":";
      protocol::append_json_string(out_, v.indicator);
      out_ += ",\"labels\":{";
      for (std::size_t i = 0; i < v.labels.size(); ++i) {
        if (i) out_ += ',';
        protocol::append_json_string(out_, v.labels[i].name);
        out_ += ':';
        protocol::append_json_string(out_, v.labels[i].value);
      }
      out_ += "},\"value\":";
      protocol::append_json_number(out_, v.value);
      out_ += ",\"raw_value\":";
      protocol::append_json_number(out_, v.raw_value);
      out_ += ",\"formatted_value\":";
      protocol::append_json_string(out_, engine.format_indicator_value(v.indicator, v.value));
      out_ += ",\"band\":";
      protocol::append_json_string(out_, to_string(v.band));
      out_ += ",\"trend\":";
      protocol::append_json_string(out_, to_string(v.trend));
      out_ += ",\"date\":";
      protocol::append_json_string(out_, v.date.iso());
      out_ += ",\"target\":";
      protocol::append_json_string(out_, v.target);
      out_ += '}';
    });
    out_ += "],\"events\":[";
    for (std::size_t k = 0; k < evaluation.events.size(); ++k) {
      out_ += k ? ",\n" : "\n";
      protocol::append_event_json(out_, evaluation.events[k], std::nullopt);
    }
    out_ += "]}";
    flush_if_large();
  }
  void finish(const Engine& engine, const EvalTotals&) override {
    out_ += "],\n\"open_alerts\":[";
    std::vector<Alert> open = engine.open_alerts();
    for (std::size_t k = 0; k < open.size(); ++k) {
      out_ += k ? ",\n" : "\n";
      out_ += protocol::dump_json(protocol::alert_json(open[k], nullptr, /*detail=*/true));
    }
    out_ += "]}\n";
  }

 private:
  std::size_t evaluations_ = 0;
};

/// Band counts of the values classified afresh, event counts, and totals: for benchmarks.
class SummaryPrinter : public EvalPrinter {
 public:
  void evaluation(const Engine& engine, const Evaluation& evaluation) override {
    for (const Event& e : evaluation.events) ++event_counts_[std::string(to_string(e.kind))];
    engine.for_each_indicator_value([&](const IndicatorValueView& v) {
      if (v.updated) ++band_counts_[std::string(to_string(v.band))];
    });
  }
  void finish(const Engine& engine, const EvalTotals& totals) override {
    out_ += "{\"evaluations\":" + std::to_string(totals.evaluations) + ",\"samples\":" +
            std::to_string(totals.ingested) + ",\"series\":" + std::to_string(engine.series_count()) + ",\"bands\":{";
    bool first = true;
    for (const char* band : {"green", "amber", "red", "unbanded", "small_cohort"}) {
      if (!first) out_ += ',';
      first = false;
      protocol::append_json_string(out_, band);
      out_ += ':' + std::to_string(band_counts_[band]);
    }
    out_ += "},\"events\":{";
    first = true;
    for (const auto& [kind, n] : event_counts_) {
      if (!first) out_ += ',';
      first = false;
      protocol::append_json_string(out_, kind);
      out_ += ':' + std::to_string(n);
    }
    out_ += "},\"open_alerts\":" + std::to_string(engine.open_alert_count()) +
            ",\"bad_lines\":" + std::to_string(totals.bad_lines) + "}\n";
  }

 private:
  std::map<std::string, std::size_t> band_counts_ = {
      {"green", 0}, {"amber", 0}, {"red", 0}, {"unbanded", 0}, {"small_cohort", 0}};
  std::map<std::string, std::size_t> event_counts_;
};

// ---- the command line and the work ---------------------------------------------------------

struct EvalRequest {
  std::vector<std::string> rules, samples;
  loader::CollectOptions collect;
  std::string format = "text";
  std::optional<Date> as_of;
  bool timing = false;
};

/// Parses the command line into `request`; an exit status to stop with, or nullopt.
std::optional<int> parse_eval(Command& command, const Arguments& args, EvalRequest& request) {
  command.options()
      ("rules,r", po::value<std::vector<std::string>>(&request.rules)->multitoken(), "rule files or directories")
      ("samples,s", po::value<std::vector<std::string>>(&request.samples)->multitoken(), "sample files ('-' for stdin)")
      ("format,f", format_choice(&request.format, {"text", "json", "summary"})->default_value(request.format),
       "text | json | summary")
      ("as-of", date_value("as-of", &request.as_of), "as-of date for lines without one (2020-02-04 or 04/02/2020)")
      ("timing", po::bool_switch(&request.timing), "print timings to stderr");
  command.add(rule_files_group(request.collect));
  if (auto stop = command.parse(args)) return stop;
  if (request.rules.empty() || request.samples.empty()) return command.usage_error("give --rules and --samples");
  return std::nullopt;
}

/// Loads the rules, reads the samples, replays them through the engine showing each evaluation
/// to `printer`, and finishes it. Returns the exit status: kExitOk, kExitWarnings (bad sample
/// lines, printed; the good ones evaluated) or kExitFailed (rules with errors, unreadable files).
int evaluate(const Command& command, const EvalRequest& request, EvalPrinter& printer) {
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  loader::LoadedRules loaded = loader::load_rules(request.rules, request.collect);
  loader::check_program(loaded);
  print_files_read(loaded, false);
  Engine engine;
  if (!has_errors(loaded.diagnostics)) {
    LoadResult result = engine.load(loaded.files);
    loaded.diagnostics.insert(loaded.diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
  }
  std::vector<Diagnostic> shown;
  for (const Diagnostic& d : loaded.diagnostics)
    if (d.severity == Severity::error) shown.push_back(d);
  print_diagnostics(shown, loaded.sources);
  if (has_errors(loaded.diagnostics)) return kExitFailed;
  auto t_rules = Clock::now();

  // Samples: every line parsed and resolved, then replayed one evaluation per as-of date.
  SampleFiles samples;
  std::string error;
  if (!samples.read(engine, request.samples, request.as_of, error)) return command.fail(error);
  auto t_read = Clock::now();

  EvalTotals totals;
  double visit_seconds = 0;  // printing, excluded from the engine's time
  auto replay_start = Clock::now();
  bool replayed = samples.replay(engine, [&](const Evaluation& evaluation) {
    auto visit_start = Clock::now();
    ++totals.evaluations;
    printer.evaluation(engine, evaluation);
    visit_seconds += std::chrono::duration<double>(Clock::now() - visit_start).count();
  }, error);
  double evaluate_seconds = std::chrono::duration<double>(Clock::now() - replay_start).count() - visit_seconds;
  if (!replayed) return command.fail(error);
  std::vector<SampleLineError> errors = samples.errors();
  totals.ingested = samples.ingested();
  totals.bad_lines = errors.size();
  printer.finish(engine, totals);
  printer.flush();
  auto t_end = Clock::now();

  print_sample_errors(errors);
  if (request.timing) {
    auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::fprintf(stderr,
                 "timing: rules %.3f s, read+parse %.3f s, ingest+evaluate %.3f s (%.0f samples/s), "
                 "output %.3f s, total %.3f s; %zu series, %.0f bytes/series\n",
                 s(t0, t_rules), s(t_rules, t_read), evaluate_seconds,
                 evaluate_seconds > 0 ? static_cast<double>(totals.ingested) / evaluate_seconds : 0.0,
                 s(t_read, t_end) - evaluate_seconds, s(t0, t_end), engine.series_count(),
                 engine.series_count() ? static_cast<double>(engine.memory_bytes()) / static_cast<double>(engine.series_count()) : 0.0);
  }
  return errors.empty() ? kExitOk : kExitWarnings;
}

}  // namespace

int run_eval(const Arguments& args) {
  Command command("eval", "--rules PATH... --samples FILE... [options]",
                  "Replays sample files through the rules: one evaluation per distinct as-of date, in date\n"
                  "order, carrying alert state between them. Sample lines: metric{label=\"v\",...} value DATE.\n"
                  "A bad sample line is reported and the good ones still evaluated (exit 4).");
  EvalRequest request;
  if (auto stop = parse_eval(command, args, request)) return *stop;
  std::unique_ptr<EvalPrinter> printer;
  if (request.format == "json") printer = std::make_unique<JsonPrinter>();
  else if (request.format == "summary") printer = std::make_unique<SummaryPrinter>();
  else printer = std::make_unique<TextPrinter>();
  return evaluate(command, request, *printer);
}

}  // namespace bandwatch::cli
