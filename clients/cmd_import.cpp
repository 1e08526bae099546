// `bandwatch import --rules PATH... --extract NAME --as-of DATE [--out FILE | --to EP] [--strict]
// FILE...`: turns CSV lists into sample lines through the `extract` blocks of the rules.
//
// Output is all or nothing: samples are written to a temporary file beside --out (or a spool for
// standard output) and only put in place when no file failed outright, and, with --strict, no
// row was rejected. (An --out that is not a regular file, such as /dev/null or a pipe, is
// written as the rows are read.) Every rejected row is reported on stderr as `file:line: column "X": reason`.
//
// Exit status (the table of every command): 0 every row imported (or filtered by a `where`); 4
// some rows rejected (the good rows imported); 1 the rules, a mapping or a file could not be used,
// with --strict a row was rejected, or the daemon refused the batch (nothing imported); 2 usage;
// 3 the daemon did not answer.
//
// `--return ssda903|cin|annex_a` reads a statutory return through its built-in mapping instead
// (extract/returns.hpp): the rows the data-quality gate faults are reported, their children held
// back (exit 4), and the return's data-quality samples added (import_return).
//
// In parts: the command line (ImportRequest), what the rules give (prepare: the extracts and
// holidays), the import of the files (import_files, each bad row printed as it is met), and the
// delivery (the output put in place, or sent with --to).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "loader/rule_files.hpp"
#include "extract/dates.hpp"
#include "extract/holidays.hpp"
#include "extract/importer.hpp"
#include "extract/mapping.hpp"
#include "extract/returns.hpp"

namespace bandwatch::cli {
namespace {

namespace po = boost::program_options;

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Where the samples go until the import is known to be good.
class Output {
 public:
  // `path` empty: standard output.
  bool open(const std::string& path) {
    path_ = path;
    std::error_code error;
    if (!path.empty() && std::filesystem::exists(path, error) &&
        !std::filesystem::is_regular_file(path, error)) {
      // /dev/null, a pipe, a terminal: nothing to rename over; write straight through.
      direct_ = true;
      file_.reset(std::fopen(path.c_str(), "wb"));
    } else if (path.empty()) {
      file_.reset(std::tmpfile());
    } else {
      temp_path_ = path + ".tmp." + std::to_string(::getpid());
      file_.reset(std::fopen(temp_path_.c_str(), "wb"));
    }
    if (!file_) {
      std::fprintf(stderr, "bandwatch import: cannot write %s: %s\n",
                   path.empty() ? "a temporary file" : temp_path_.c_str(), std::strerror(errno));
      return false;
    }
    return true;
  }

  void write(std::string_view lines) {
    if (std::fwrite(lines.data(), 1, lines.size(), file_.get()) != lines.size()) failed_ = true;
  }

  /// Puts the samples in place: renames the temporary file, or copies the spool to stdout.
  bool commit() {
    if (failed_ || std::fflush(file_.get()) != 0) {
      std::fprintf(stderr, "bandwatch import: writing the samples failed: %s\n", std::strerror(errno));
      discard();
      return false;
    }
    if (direct_) {
      file_.reset();
      return true;
    }
    if (path_.empty()) {
      std::rewind(file_.get());
      char buffer[1 << 16];
      std::size_t got = 0;
      while ((got = std::fread(buffer, 1, sizeof buffer, file_.get())) > 0)
        std::fwrite(buffer, 1, got, stdout);
      file_.reset();
      return std::fflush(stdout) == 0;
    }
    file_.reset();
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
      std::fprintf(stderr, "bandwatch import: cannot rename %s to %s: %s\n", temp_path_.c_str(),
                   path_.c_str(), std::strerror(errno));
      std::remove(temp_path_.c_str());
      return false;
    }
    return true;
  }

  void discard() {
    file_.reset();
    if (!temp_path_.empty()) std::remove(temp_path_.c_str());
  }

  /// The spooled samples (no --out), for sending; false if they cannot be read back.
  bool read_back(std::string& text) {
    if (failed_ || !path_.empty() || std::fflush(file_.get()) != 0) return false;
    std::rewind(file_.get());
    char buffer[1 << 16];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file_.get())) > 0) text.append(buffer, got);
    bool ok = !std::ferror(file_.get());
    file_.reset();
    return ok;
  }

 private:
  std::string path_;
  std::string temp_path_;
  FilePtr file_;
  bool direct_ = false;  // not a regular file: written as we go, so not all or nothing
  bool failed_ = false;
};

std::vector<std::string> extract_names(const loader::LoadedRules& loaded) {
  std::vector<std::string> names;
  for (const ast::File& file : loaded.files)
    for (const ast::Item& item : file.items)
      if (const auto* decl = std::get_if<ast::ExtractDecl>(&item)) names.push_back(decl->name);
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "(none)" : text;
}

/// The command line of `bandwatch import`.
struct ImportRequest {
  std::vector<std::string> rules, extracts, files;
  std::optional<Date> as_of;
  std::optional<std::string> out, to, holidays;
  std::optional<std::string> return_name;  // --return: a built-in statutory return
  int year = 0;
  bool degrade = false;
  std::string xsd;
  bool strict = false;
  bool close = false;
  bool quiet = false;
  ConnectionOptions connection;
  CurveOptions curve;
};

/// Parses the command line into `request`; an exit status to stop with, or nullopt.
/// The checks of a command line with --return.
std::optional<int> parse_return_request(Command& command, ImportRequest& request) {
  const std::string& name = *request.return_name;
  if (!request.extracts.empty()) return command.usage_error("--return uses its built-in mapping: give --return or --extract, not both");
  if (!request.xsd.empty() && name != "cin") return command.usage_error("--xsd goes with --return cin");
  if (name == "annex_a") {
    if (request.year != 0) return command.usage_error("--year goes with --return ssda903 or cin; the Annex A lists are dated by --as-of");
    if (!request.as_of) return command.usage_error("--return annex_a needs --as-of (the day the lists were run)");
    return std::nullopt;
  }
  if (name != "ssda903" && name != "cin") return command.usage_error("--return must be ssda903, cin or annex_a, not '" + name + "'");
  extract::YearRange years = name == "ssda903" ? extract::ssda903_years() : extract::cin_census_years();
  if (request.year == 0) return command.usage_error("--return " + name + " needs --year (the collection year ending 31 March YEAR)");
  if (request.year < years.first || request.year > years.last)
    return command.usage_error("--year " + std::to_string(request.year) + ": the " + name + " layouts built in are " +
                               std::to_string(years.first) + " to " + std::to_string(years.last));
  if (request.as_of) return command.usage_error("--return " + name + " dates its samples 31 March of --year: leave out --as-of");
  if (name == "cin" && request.files.size() != 1) return command.usage_error("--return cin reads one census file");
  request.as_of = Date::from_ymd(request.year, 3, 31);
  return std::nullopt;
}

std::optional<int> parse_import(Command& command, const Arguments& args, ImportRequest& request) {
  std::string out, to, holidays, return_name;
  command.options()
      ("rules,r", po::value<std::vector<std::string>>(&request.rules)->multitoken(), "rule files or directories")
      ("extract,e", po::value<std::vector<std::string>>(&request.extracts),
       "extract block to apply (repeat to apply several to each row)")
      ("as-of,a", date_value("as-of", &request.as_of), "the date the samples describe (2020-02-04 or 04/02/2020)")
      ("out,o", po::value<std::string>(&out), "write the samples to FILE (replaced only on success); "
                                              "default: standard output")
      ("to", endpoint_value("to", &to), "send the samples to the daemon's ingest endpoint as one "
                                          "acknowledged batch (e.g. tcp://127.0.0.1:7610)")
      ("strict", po::bool_switch(&request.strict), "import nothing if any row is bad")
      ("close", po::bool_switch(&request.close),
       "with --to: close the date once sent, so its alerts are decided now (for the date's last list; "
       "without it the date stays open for the other lists)")
      ("holidays", po::value<std::string>(&holidays),
       "bank holiday file to use instead of the one built in (data/bank_holidays_england_wales.txt)")
      ("quiet,q", po::bool_switch(&request.quiet), "no summary when every row was imported")
      ("return", po::value<std::string>(&return_name),
       "read a statutory return with its built-in mapping instead of --extract: ssda903 (a directory "
       "or the CSV tables), cin (the census XML) or annex_a (the lists' CSV files)")
      ("year", po::value<int>(&request.year), "with --return ssda903 or cin: the collection year, the one "
                                              "ending 31 March YEAR (its layout and code lists)")
      ("degrade", po::bool_switch(&request.degrade),
       "with --return: dates of birth to the first of the month and postcodes cut, before any measure, "
       "as regional pooling degrades them")
      ("xsd", po::value<std::string>(&request.xsd), "with --return cin: validate the file against this XSD "
                                                    "(the year's published schema) first");
  command.add(connection_group(request.connection));
  command.add(curve_group(request.curve));
  command.positional("files", -1, po::value<std::vector<std::string>>(&request.files));
  if (auto stop = command.parse(args)) return stop;
  if (command.has("out")) request.out = out;
  if (command.has("to")) request.to = to;
  if (command.has("holidays")) request.holidays = holidays;
  if (command.has("return")) request.return_name = return_name;
  if (request.files.empty()) return command.usage_error("no CSV file given");
  if (request.out && request.to) return command.usage_error("give --out or --to, not both");
  if (request.return_name) return parse_return_request(command, request);
  if (request.degrade || command.has("year") || command.has("xsd"))
    return command.usage_error("--year, --degrade and --xsd go with --return");
  if (request.rules.empty()) return command.usage_error("--rules is required");
  if (!request.as_of) return command.usage_error("--as-of is required");
  return std::nullopt;
}

/// The holiday file of --holidays, if given; false (the problem printed) when it cannot be read.
bool load_holidays(const Command& command, const ImportRequest& request, std::optional<extract::HolidayCalendar>& holidays) {
  if (!request.holidays) return true;
  std::string text, error;
  if (!loader::read_file(*request.holidays, text)) {
    command.fail("cannot read " + *request.holidays);
    return false;
  }
  holidays = extract::HolidayCalendar::parse(text, error);
  if (!holidays) std::cerr << *request.holidays << ":" << error << "\n";
  return holidays.has_value();
}

/// What the rules give the import: the extracts to apply, and the holidays.
struct ImportPlan {
  loader::LoadedRules loaded;
  std::vector<extract::ExtractSource> sources;
  std::optional<extract::HolidayCalendar> holidays;  // a file's instead of the built-in one
};

/// Loads the rules and finds the extracts (and the holiday file). nullopt (the problem printed,
/// `status` its exit status) when the import cannot be made.
std::optional<ImportPlan> prepare(const Command& command, const ImportRequest& request, int& status) {
  ImportPlan plan;
  status = kExitFailed;
  if (!load_holidays(command, request, plan.holidays)) return std::nullopt;
  plan.loaded = loader::load_rules(request.rules);
  loader::check_program(plan.loaded);
  std::vector<Diagnostic> errors;
  for (const Diagnostic& diagnostic : plan.loaded.diagnostics)
    if (diagnostic.severity == Severity::error) errors.push_back(diagnostic);
  if (!errors.empty()) {
    print_diagnostics(errors, plan.loaded.sources);
    command.fail("the rules have errors (see `bandwatch check`); nothing imported");
    return std::nullopt;
  }
  if (request.extracts.empty()) {
    status = command.usage_error("--extract is required; the rules have: " + joined(extract_names(plan.loaded)));
    return std::nullopt;
  }
  std::vector<Diagnostic> mapping_errors;
  for (const std::string& name : request.extracts) {
    const ast::ExtractDecl* found = nullptr;
    std::string found_in;
    for (const ast::File& file : plan.loaded.files)
      for (const ast::Item& item : file.items)
        if (const auto* decl = std::get_if<ast::ExtractDecl>(&item); decl && decl->name == name) {
          found = decl;
          found_in = file.path;
        }
    if (!found) {
      std::vector<std::string> names = extract_names(plan.loaded);
      std::string suggestion = did_you_mean(name, names);
      command.fail("no extract '" + name + "' in the rules" +
                   (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") + " (extracts: " + joined(names) + ")");
      return std::nullopt;
    }
    for (Diagnostic& diagnostic : extract::check_extract(*found, found_in))
      if (diagnostic.severity == Severity::error) mapping_errors.push_back(std::move(diagnostic));
    plan.sources.push_back({found, found_in});
  }
  if (!mapping_errors.empty()) {
    print_diagnostics(mapping_errors, plan.loaded.sources);
    return std::nullopt;
  }
  status = kExitOk;
  return plan;
}

/// Imports every file into `output`, printing each bad row as it is met and each file's summary
/// (unless quiet and clean). Returns the total.
extract::ImportSummary import_files(const ImportRequest& request, const ImportPlan& plan, Output& output) {
  // Reports can run to a line per row: buffer them rather than write each unbuffered.
  static char stderr_buffer[1 << 16];
  std::setvbuf(stderr, stderr_buffer, _IOFBF, sizeof stderr_buffer);

  extract::EvalContext context{*request.as_of, plan.holidays ? &*plan.holidays : nullptr};
  extract::SampleSink sink = [&output](std::string_view lines) { output.write(lines); };
  extract::ImportReporter reporter{
      [](const std::string& line) {  // a row's values quoted in it: printable
        std::string text = printable(line);
        text.push_back('\n');
        std::fwrite(text.data(), 1, text.size(), stderr);
      },
      [&plan](const Diagnostic& diagnostic) {
        auto source = plan.loaded.sources.find(diagnostic.file);
        std::fputs(render(diagnostic, source == plan.loaded.sources.end() ? std::string_view{} : source->second).c_str(),
                   stderr);
      }};

  extract::ImportSummary total;
  for (const std::string& path : request.files) {
    bool from_stdin = path == "-";
    FilePtr in(from_stdin ? nullptr : std::fopen(path.c_str(), "rb"));
    if (!from_stdin && !in) {
      std::fprintf(stderr, "%s: cannot open: %s\n", path.c_str(), std::strerror(errno));
      total.failed = true;
      continue;
    }
    std::string name = from_stdin ? "<stdin>" : path;
    extract::ImportSummary summary =
        extract::import_csv(from_stdin ? stdin : in.get(), name, plan.sources, context, sink, reporter);
    if (!request.quiet || summary.rejected > 0 || summary.failed)
      std::fprintf(stderr, "%s: %s%s\n", name.c_str(), extract::describe(summary).c_str(),
                   summary.failed ? " (the file could not be imported)" : "");
    total += summary;
  }
  if (request.files.size() > 1 && (!request.quiet || total.rejected > 0 || total.failed))
    std::fprintf(stderr, "total: %zu files, %s\n", request.files.size(), extract::describe(total).c_str());
  return total;
}

/// Sends the imported samples to the daemon as one batch; the exit status of sending.
int send_imported(const Command& command, const ImportRequest& request, Output& output) {
  SendOptions send;
  send.endpoint = *request.to;
  send.connection = request.connection;
  send.curve = request.curve;
  send.as_of = request.as_of;
  send.strict = request.strict;
  send.close = request.close;
  send.quiet = request.quiet;
  std::vector<SampleSource> batch(1);
  batch[0].name = "<import>";
  if (!output.read_back(batch[0].text)) return command.fail("cannot read back the samples to send");
  if (batch[0].text.empty()) {
    command.fail("no samples to send");
    return kExitOk;
  }
  return send_samples(command, batch, send);
}

/// Collects the metric names of sample lines as they are written (for checking them against the
/// rules given with --return).
class MetricNames {
 public:
  void scan(std::string_view lines) {
    std::size_t at = 0;
    while (at < lines.size()) {
      std::size_t end = lines.find('\n', at);
      if (end == std::string_view::npos) end = lines.size();
      std::string_view line = lines.substr(at, end - at);
      std::string_view name = line.substr(0, line.find_first_of("{ "));
      if (name != last_) {
        last_ = std::string(name);
        names_.insert(last_);
      }
      at = end + 1;
    }
  }
  const std::set<std::string>& names() const { return names_; }

 private:
  std::set<std::string> names_;
  std::string last_;
};

/// `bandwatch import --return NAME`: a statutory return through its built-in mapping.
int import_return(const Command& command, const ImportRequest& request) {
  std::optional<extract::HolidayCalendar> holidays;
  if (!load_holidays(command, request, holidays)) return kExitFailed;
  std::optional<loader::LoadedRules> loaded;
  if (!request.rules.empty()) {
    loaded = loader::load_rules(request.rules);
    loader::check_program(*loaded);
    std::vector<Diagnostic> errors;
    for (const Diagnostic& diagnostic : loaded->diagnostics)
      if (diagnostic.severity == Severity::error) errors.push_back(diagnostic);
    if (!errors.empty()) {
      print_diagnostics(errors, loaded->sources);
      return command.fail("the rules have errors (see `bandwatch check`); nothing imported");
    }
  }
  static char stderr_buffer[1 << 16];
  std::setvbuf(stderr, stderr_buffer, _IOFBF, sizeof stderr_buffer);

  Output output;
  if (!output.open(request.out.value_or(std::string{}))) return kExitFailed;
  MetricNames metrics;
  extract::SampleSink sink = [&](std::string_view lines) {
    if (loaded) metrics.scan(lines);
    output.write(lines);
  };
  extract::ImportReporter reporter{[](const std::string& line) {
                                     std::fputs(line.c_str(), stderr);
                                     std::fputc('\n', stderr);
                                   },
                                   [](const Diagnostic& diagnostic) { std::fputs(render(diagnostic, {}).c_str(), stderr); }};
  extract::ReturnOptions options;
  options.year = request.year;
  options.degrade = request.degrade;
  options.holidays = holidays ? &*holidays : nullptr;
  options.xsd = request.xsd;
  const std::string& name = *request.return_name;
  extract::ReturnSummary summary =
      name == "ssda903" ? extract::import_ssda903(request.files, options, sink, reporter)
      : name == "cin"   ? extract::import_cin_census(request.files.front(), options, sink, reporter)
                        : extract::import_annex_a(request.files, *request.as_of, options, sink, reporter);
  if (summary.failed) {
    output.discard();
    command.fail("nothing imported");
    std::fflush(stderr);
    return kExitFailed;
  }
  bool held_back = summary.children_held_back > 0 || summary.rows_held_back() > 0;
  if (held_back || !request.quiet) {
    for (const extract::TableCounts& table : summary.tables)
      std::fprintf(stderr, "%s: %s table, rows read %zu, held back %zu\n", table.file.c_str(), table.table.c_str(),
                   table.rows_read, table.rows_held_back);
    std::string what = name == "annex_a" ? "annex_a as of " + request.as_of->uk() : name + " " + std::to_string(request.year);
    std::fprintf(stderr, "%s: %s\n", what.c_str(), extract::describe(summary).c_str());
  }
  if (held_back && request.strict) {
    output.discard();
    command.fail("--strict: " + std::to_string(summary.rows_held_back()) +
                 " rows held back by the data-quality gate, nothing imported");
    std::fflush(stderr);
    return kExitFailed;
  }
  std::string quality;
  extract::append_quality_samples(quality, name, summary, *request.as_of);
  sink(quality);
  std::fflush(stderr);
  if (loaded) {
    std::set<std::string> declared;
    for (const ast::File& file : loaded->files)
      for (const ast::Item& item : file.items)
        if (const auto* metric = std::get_if<ast::MetricDecl>(&item)) declared.insert(metric->name);
    std::string undeclared;
    for (const std::string& metric : metrics.names())
      if (!declared.count(metric)) undeclared += (undeclared.empty() ? "" : ", ") + metric;
    if (!undeclared.empty()) {
      output.discard();
      return command.fail("the rules do not declare " + undeclared +
                          ": include the built-in returns' metrics (data/returns/metrics.bw, copied as "
                          "examples/returns/metrics.bw); nothing imported");
    }
  }
  int status = held_back ? kExitWarnings : kExitOk;
  if (request.to) {
    int sent = send_imported(command, request, output);
    return sent == kExitOk ? status : sent;
  }
  if (!output.commit()) return kExitFailed;
  return status;
}

}  // namespace

int run_import(const Arguments& args) {
  Command command("import", "--rules PATH... --extract NAME --as-of DATE [--out FILE | --to EP] [--strict] FILE...\n"
                            "       bandwatch import --return ssda903|cin --year YEAR [--degrade] [--xsd FILE] [options] DIR|FILE...\n"
                            "       bandwatch import --return annex_a --as-of DATE [--degrade] [options] DIR|FILE...",
                  "Reads CSV lists (Annex A, workforce) through the `extract` blocks of the rules and writes\n"
                  "sample lines, one per `sample` per row, dated the as-of date. Every bad row is reported as\n"
                  "file:line: column \"X\": reason and the good rows imported (exit 4), unless --strict: then\n"
                  "nothing is (exit 1). Nothing is written when the rules, a mapping or a file cannot be used.\n"
                  "With --return, a statutory return is read through its built-in mapping (docs/extracts.md):\n"
                  "every row the data-quality gate faults is reported and its child held back (exit 4).");
  ImportRequest request;
  if (auto stop = parse_import(command, args, request)) return *stop;
  if (request.return_name) return import_return(command, request);
  int status = kExitOk;
  std::optional<ImportPlan> plan = prepare(command, request, status);
  if (!plan) return status;

  Output output;
  if (!output.open(request.out.value_or(std::string{}))) return kExitFailed;
  extract::ImportSummary total = import_files(request, *plan, output);
  if (total.failed) {
    output.discard();
    command.fail("nothing imported");
    std::fflush(stderr);
    return kExitFailed;
  }
  if (total.rejected > 0 && request.strict) {
    output.discard();
    command.fail("--strict: " + std::to_string(total.rejected) + (total.rejected == 1 ? " row" : " rows") +
                 " rejected, nothing imported");
    std::fflush(stderr);
    return kExitFailed;
  }
  std::fflush(stderr);
  int imported = total.rejected > 0 ? kExitWarnings : kExitOk;
  if (request.to) {
    int sent = send_imported(command, request, output);
    return sent == kExitOk ? imported : sent;
  }
  if (!output.commit()) return kExitFailed;
  return imported;
}

}  // namespace bandwatch::cli
