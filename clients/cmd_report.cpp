// `bandwatch report`: the meeting pack. Offline from rule and sample files (the samples replayed
// through the engine in date order, as `bandwatch eval` does), or from a running daemon's state
// (`--control EP`). Writes one self-contained HTML page, Markdown, or a PDF printed by headless
// Chromium.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <ctime>
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

/// A date as an analyst types it: 2016-09-30 or 30/09/2016.
std::optional<Date> parse_date_argument(const std::string& text) {
  if (auto iso = parse_iso_date(text)) return iso;
  unsigned day = 0, month = 0;
  int year = 0;
  char end = 0;
  if (std::sscanf(text.c_str(), "%2u/%2u/%4d%c", &day, &month, &year, &end) != 3) return std::nullopt;
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", year, month, day);
  return parse_iso_date(buffer);  // rejects 31/02/2020
}

/// Offline: replays the samples through the rules. Returns the exit status so far (0, or 1
/// when sample lines were bad); nullopt when the report cannot be made.
std::optional<int> offline_source(const std::vector<std::string>& rule_paths,
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
    std::cerr << "bandwatch report: " << error << "\n";
    return std::nullopt;
  }
  report::SourceRecorder recorder(report::program_facts(loaded.files));
  bool replayed = samples.replay(engine, [&](const engine::Evaluation& evaluation) {
    recorder.record(engine, evaluation);
  }, error);
  std::vector<SampleLineError> bad = samples.errors();
  print_sample_errors(bad);
  if (!replayed) {
    std::cerr << "bandwatch report: " << error << "\n";
    return std::nullopt;
  }
  if (samples.samples() == 0) {
    std::cerr << "bandwatch report: no samples to report on\n";
    return std::nullopt;
  }
  source = recorder.finish(engine);
  return bad.empty() ? 0 : 1;
}

Date today() {
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  localtime_r(&now, &parts);
  return Date::from_ymd(parts.tm_year + 1900, static_cast<unsigned>(parts.tm_mon + 1), static_cast<unsigned>(parts.tm_mday));
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return static_cast<bool>(out);
}

}  // namespace

int run_report(const Arguments& args) {
  po::options_description options(
      "usage: bandwatch report --rules PATH... --samples FILE... [options]\n"
      "       bandwatch report --control EP [options]\n\n"
      "The meeting pack: for each forum (route) what is new, escalated, still open (with its\n"
      "acknowledgement) and resolved since the last meeting, then a RAG table per indicator group\n"
      "with trend arrows and sparklines. Dates may be written 2016-09-30 or 30/09/2016.\n\noptions");
  options.add_options()("help,h", "show this help")
      ("rules,r", po::value<std::vector<std::string>>()->multitoken(), "rule files or directories (offline)")
      ("samples,s", po::value<std::vector<std::string>>()->multitoken(), "sample files, replayed in date order (offline)")
      ("control,c", po::value<std::string>(), "the daemon's control endpoint, e.g. tcp://127.0.0.1:7612")
      ("route", po::value<std::string>(), "only this forum (a route name)")
      ("since", po::value<std::string>(), "changes after this date are news (default: each route's cadence back from the latest data)")
      ("meeting", po::value<std::string>(), "the meeting's date: reviews due before it are overdue (default: the latest data's date offline, today with --control)")
      ("format,f", po::value<std::string>()->default_value("html"), "html | markdown | pdf")
      ("out,o", po::value<std::string>(), "write here instead of standard output (required for pdf)")
      ("title", po::value<std::string>()->default_value("Meeting pack"), "the pack's heading")
      ("acknowledgements,a", po::value<std::string>(), "JSON file of acknowledgements (offline; the daemon keeps its own)")
      ("as-of", po::value<std::string>(), "as-of date for sample lines without one (offline)")
      ;
  ConnectionOptions connection;
  add_connection_options(options, connection);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(options).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  bool offline = vm.count("rules") || vm.count("samples");
  bool online = vm.count("control") > 0;
  if (offline == online || (offline && (!vm.count("rules") || !vm.count("samples"))) ||
      (online && vm.count("acknowledgements"))) {
    std::cerr << "bandwatch report: give either --rules and --samples, or --control\n\n" << options << "\n";
    return 2;
  }
  std::string format = vm["format"].as<std::string>();
  if (format == "md") format = "markdown";
  if (format != "html" && format != "markdown" && format != "pdf") {
    std::cerr << "bandwatch report: --format is html, markdown or pdf\n";
    return 2;
  }
  if (format == "pdf" && !vm.count("out")) {
    std::cerr << "bandwatch report: --format pdf needs --out FILE\n";
    return 2;
  }
  // Fail before the work, not after it.
  if (format == "pdf" && !report::find_chromium()) {
    std::cerr << "bandwatch report: " << report::chromium_missing("--format pdf") << "\n";
    return 1;
  }

  report::Options report_options;
  report_options.title = vm["title"].as<std::string>();
  if (vm.count("route")) report_options.route = vm["route"].as<std::string>();
  std::optional<Date> default_date;
  for (const char* name : {"since", "meeting", "as-of"}) {
    if (!vm.count(name)) continue;
    std::optional<Date> date = parse_date_argument(vm[name].as<std::string>());
    if (!date) {
      std::cerr << "bandwatch report: --" << name << " wants a date, 2016-09-30 or 30/09/2016\n";
      return 2;
    }
    if (std::string_view(name) == "since") report_options.since = date;
    else if (std::string_view(name) == "meeting") report_options.meeting_date = date;
    else default_date = date;
  }

  report::Source source;
  int status = 0;
  if (offline) {
    std::optional<int> result = offline_source(vm["rules"].as<std::vector<std::string>>(),
                                               vm["samples"].as<std::vector<std::string>>(), default_date, source);
    if (!result) return 1;
    status = *result;
    if (vm.count("acknowledgements")) {
      std::string path = vm["acknowledgements"].as<std::string>(), text, error;
      if (!loader::read_file(path, text)) {
        std::cerr << "bandwatch report: cannot read " << path << "\n";
        return 1;
      }
      nlohmann::json list = nlohmann::json::parse(text, nullptr, false);
      std::vector<std::string> warnings;
      if (list.is_discarded()) error = "not JSON";
      else report::apply_acknowledgements(list, source, warnings, error);
      if (!error.empty()) {
        std::cerr << path << ": error: " << error << "\n";
        return 1;
      }
      for (const std::string& warning : warnings) std::cerr << path << ": warning: " << warning << "\n";
    }
  } else {
    report::ControlOptions control;
    control.endpoint = vm["control"].as<std::string>();
    control.timeout = std::chrono::milliseconds(connection.timeout_ms);
    control.retries = connection.retries;
    control.curve_server_key_file = connection.server_key;
    control.curve_secret_key_file = connection.secret_key;
    std::string error;
    std::optional<report::Source> fetched = report::fetch_source(control, error);
    if (!fetched) {
      std::cerr << "bandwatch report: " << error << "\n";
      return 1;
    }
    source = std::move(*fetched);
    // From a live daemon the meeting is today: reviews due before today are overdue.
    if (!report_options.meeting_date) report_options.meeting_date = today();
  }

  report::BuildResult built = report::build_model(source, report_options);
  if (!built.ok()) {
    std::cerr << "bandwatch report: " << built.error << "\n";
    return 2;
  }
  std::string out_path = vm.count("out") ? vm["out"].as<std::string>() : "";
  if (format == "pdf") {
    // Chromium prints a file: write the page beside nothing else, then remove it.
    char pattern[] = "/tmp/bandwatch-report-XXXXXX";
    if (!::mkdtemp(pattern)) {
      std::cerr << "bandwatch report: cannot make a temporary directory\n";
      return 1;
    }
    fs::path page = fs::path(pattern) / "meeting-pack.html";
    std::string error;
    if (!write_file(page.string(), report::render_html(built.model))) error = "cannot write " + page.string();
    else error = report::print_pdf(page.string(), out_path);
    std::error_code ignored;
    fs::remove_all(pattern, ignored);
    if (!error.empty()) {
      std::cerr << "bandwatch report: " << error << "\n";
      return 1;
    }
    std::cerr << "bandwatch report: wrote " << out_path << "\n";
    return status;
  }
  std::string text = format == "html" ? report::render_html(built.model) : report::render_markdown(built.model);
  if (out_path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    if (!write_file(out_path, text)) {
      std::cerr << "bandwatch report: cannot write " << out_path << "\n";
      return 1;
    }
    std::cerr << "bandwatch report: wrote " << out_path << "\n";
  }
  return status;
}

}  // namespace bandwatch::cli
