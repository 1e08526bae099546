// `bandwatch report`: the meeting pack. Offline from rule and sample files (the samples replayed
// through the engine in date order, as `bandwatch eval` does), or from a running daemon's state
// (`--control EP`). Writes one self-contained HTML page, Markdown, a PDF printed by headless
// Chromium, an Excel workbook (the RAG tables as real cells) or the RAG tables as CSV.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "report/acknowledgements.hpp"
#include "report/chromium.hpp"
#include "report/control_source.hpp"
#include "report/engine_source.hpp"
#include "report/render.hpp"
#include "loader/rule_files.hpp"
#include "clients/sample_files.hpp"
#include "engine/engine.hpp"

namespace bandwatch::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

/// Offline: replays the samples through the rules. Returns the exit status so far (kExitOk, or
/// kExitWarnings when sample lines were bad); nullopt (the problem printed) when the report
/// cannot be made.
std::optional<int> offline_source(const Command& command, const std::vector<std::string>& rule_paths,
                                  const std::vector<std::string>& sample_paths, std::optional<Date> default_date,
                                  report::Source& source) {
  loader::LoadedRules loaded = loader::load_rules(rule_paths);
  loader::check_program(loaded);
  engine::Engine engine;
  if (!has_errors(loaded.diagnostics)) {
    engine::LoadResult result = engine.load(loaded.files);
    loaded.diagnostics.insert(loaded.diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
  }
  std::vector<Diagnostic> shown;
  for (const Diagnostic& d : loaded.diagnostics)
    if (d.severity == Severity::error) shown.push_back(d);
  print_diagnostics(shown, loaded.sources);
  if (has_errors(loaded.diagnostics)) return std::nullopt;

  SampleFiles samples;
  std::string error;
  if (!samples.read(engine, sample_paths, default_date, error)) {
    command.fail(error);
    return std::nullopt;
  }
  report::SourceRecorder recorder(report::program_facts(loaded.files));
  bool replayed = samples.replay(engine, [&](const engine::Evaluation& evaluation) {
    recorder.record(engine, evaluation);
  }, error);
  std::vector<SampleLineError> bad = samples.errors();
  print_sample_errors(bad);
  if (!replayed) {
    command.fail(error);
    return std::nullopt;
  }
  if (samples.samples() == 0) {
    command.fail("no samples to report on");
    return std::nullopt;
  }
  source = recorder.finish(engine);
  return bad.empty() ? kExitOk : kExitWarnings;
}

/// Applies the acknowledgements file at `path` to `source`; false (the problem printed) when it
/// cannot be used. How each acknowledgement was applied is printed as a note.
bool offline_acknowledgements(const Command& command, const std::string& path, report::Source& source) {
  std::string text, error;
  if (!loader::read_file(path, text)) {
    command.fail("cannot read " + path);
    return false;
  }
  nlohmann::json list = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> notes;
  if (list.is_discarded()) error = "not JSON";
  else report::apply_acknowledgements(list, source, notes, error);
  if (!error.empty()) {
    std::cerr << path << ": error: " << error << "\n";
    return false;
  }
  for (const std::string& note : notes) std::cerr << path << ": note: " << note << "\n";
  return true;
}

/// From a running daemon. nullopt (the problem printed, `status` its exit status) when it does
/// not answer or refuses.
std::optional<report::Source> daemon_source(const Command& command, const std::string& endpoint,
                                            const ConnectionOptions& connection, const CurveOptions& curve,
                                            int& status) {
  report::ControlOptions control;
  control.endpoint = endpoint;
  control.timeout = std::chrono::milliseconds(connection.timeout_ms);
  control.retries = connection.retries;
  control.curve_server_key_file = curve.server_key;
  control.curve_secret_key_file = curve.secret_key;
  std::string error;
  bool no_reply = false;
  std::optional<report::Source> fetched = report::fetch_source(control, error, &no_reply);
  if (!fetched) status = command.fail(error, no_reply ? kExitNoReply : kExitFailed);
  return fetched;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

/// The command line of `bandwatch report`.
struct ReportRequest {
  std::vector<std::string> rules, samples;  // offline
  std::optional<std::string> control;       // from a daemon
  std::string format = "html";
  std::optional<std::string> out;
  std::optional<std::string> acknowledgements;
  std::optional<Date> as_of;
  report::Options options;
  ConnectionOptions connection;
  CurveOptions curve;
};

/// Parses the command line into `request`; an exit status to stop with, or nullopt.
std::optional<int> parse_report(Command& command, const Arguments& args, ReportRequest& request) {
  std::string route, control, out, acknowledgements;
  command.options()
      ("rules,r", po::value<std::vector<std::string>>(&request.rules)->multitoken(), "rule files or directories (offline)")
      ("samples,s", po::value<std::vector<std::string>>(&request.samples)->multitoken(), "sample files, replayed in date order (offline)")
      ("control,c", endpoint_value("control", &control), "the daemon's control endpoint, e.g. tcp://127.0.0.1:7612")
      ("route", po::value<std::string>(&route), "only this forum (a route name)")
      ("since", date_value("since", &request.options.since), "changes after this date are news (default: each route's cadence back from the latest data)")
      ("meeting", date_value("meeting", &request.options.meeting_date), "the meeting's date: ages run to it and reviews due before it are overdue (default: the as-of date of the latest data)")
      ("format,f", format_choice(&request.format, {"html", "markdown", "md", "pdf", "xlsx", "csv"})->default_value(request.format),
       "html | markdown | pdf | xlsx (an Excel workbook: the RAG tables as cells, bands as fills) | csv (the RAG tables)")
      ("out,o", po::value<std::string>(&out), "write here instead of standard output (required for pdf and xlsx)")
      ("title", po::value<std::string>(&request.options.title)->default_value("Meeting pack"), "the pack's heading")
      ("acknowledgements,a", po::value<std::string>(&acknowledgements), "JSON file of acknowledgements (offline; the daemon keeps its own)")
      ("as-of", date_value("as-of", &request.as_of), "as-of date for sample lines without one (offline)");
  command.add(connection_group(request.connection));
  command.add(curve_group(request.curve));
  if (auto stop = command.parse(args)) return stop;
  if (command.has("route")) request.options.route = route;
  if (command.has("control")) request.control = control;
  if (command.has("out")) request.out = out;
  if (command.has("acknowledgements")) request.acknowledgements = acknowledgements;
  if (request.format == "md") request.format = "markdown";
  bool offline = !request.rules.empty() || !request.samples.empty();
  if (offline == request.control.has_value() || (offline && (request.rules.empty() || request.samples.empty())) ||
      (request.control && request.acknowledgements))
    return command.usage_error("give either --rules and --samples, or --control");
  if (request.control && request.as_of)
    return command.usage_error("--as-of dates sample lines without a date (offline); for the meeting's date, give --meeting");
  if ((request.format == "pdf" || request.format == "xlsx") && !request.out)
    return command.usage_error("--format " + request.format + " needs --out FILE");
  return std::nullopt;
}

/// Writes the pack as `format` to `out` (standard output when none); the exit status.
int write_pack(const Command& command, const report::ReportModel& model, const std::string& format,
               const std::optional<std::string>& out) {
  if (format == "pdf") {
    // Chromium prints a file: write the page beside nothing else, then remove it.
    char pattern[] = "/tmp/bandwatch-report-XXXXXX";
    if (!::mkdtemp(pattern)) return command.fail("cannot make a temporary directory");
    fs::path page = fs::path(pattern) / "meeting-pack.html";
    std::string error;
    if (!write_file(page.string(), report::render_html(model))) error = "cannot write " + page.string();
    else error = report::print_pdf(page.string(), *out);
    std::error_code ignored;
    fs::remove_all(pattern, ignored);
    if (!error.empty()) return command.fail(error);
    std::cerr << "bandwatch report: wrote " << *out << "\n";
    return kExitOk;
  }
  if (format == "xlsx") {
    std::string error = report::write_xlsx(model, *out);
    if (!error.empty()) return command.fail(error);
    std::cerr << "bandwatch report: wrote " << *out << "\n";
    return kExitOk;
  }
  std::string text = format == "html"  ? report::render_html(model)
                     : format == "csv" ? report::render_csv(model)
                                       : report::render_markdown(model);
  if (!out) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  if (!write_file(*out, text)) return command.fail("cannot write " + *out);
  std::cerr << "bandwatch report: wrote " << *out << "\n";
  return kExitOk;
}

}  // namespace

int run_report(const Arguments& args) {
  Command command("report", "--rules PATH... --samples FILE... [options]\n       bandwatch report --control EP [options]",
                  "The meeting pack: for each forum (route) what is new, escalated, still open (with its\n"
                  "acknowledgement) and resolved since the last meeting, then a RAG table per indicator group\n"
                  "with trend arrows and sparklines. Dates may be written 2016-09-30 or 30/09/2016. Bad sample\n"
                  "lines are reported and the pack made from the good ones (exit 4).");
  ReportRequest request;
  if (auto stop = parse_report(command, args, request)) return *stop;
  // Fail before the work, not after it.
  if (request.format == "pdf" && !report::find_chromium()) return command.fail(report::chromium_missing("--format pdf"));

  // The data: offline from files, or from the daemon.
  report::Source source;
  int status = kExitOk;
  if (!request.control) {
    std::optional<int> result = offline_source(command, request.rules, request.samples, request.as_of, source);
    if (!result) return kExitFailed;
    status = *result;
    if (request.acknowledgements && !offline_acknowledgements(command, *request.acknowledgements, source))
      return kExitFailed;
  } else {
    int failed = kExitFailed;
    std::optional<report::Source> fetched = daemon_source(command, *request.control, request.connection, request.curve, failed);
    if (!fetched) return failed;
    source = std::move(*fetched);
  }
  // Ages, "open for" and overdue reviews run to the meeting date, which is the data's as-of date
  // unless given: never the wall clock, so a pack made today from 2020's data says what the
  // meeting of 2020 saw (build_model's default).

  report::BuildResult built = report::build_model(source, request.options);
  if (!built.ok()) return command.usage_error(built.error);
  int written = write_pack(command, built.model, request.format, request.out);
  return written != kExitOk ? written : status;
}

}  // namespace bandwatch::cli
