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

#include "command.hpp"
#include "commands.hpp"
#include "daemon_common.hpp"
#include "loader/rule_files.hpp"
#include "extract/dates.hpp"
#include "extract/holidays.hpp"
#include "extract/importer.hpp"
#include "extract/mapping.hpp"

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
  bool strict = false;
  bool close = false;
  bool quiet = false;
  ConnectionOptions connection;
  CurveOptions curve;
};

/// Parses the command line into `request`; an exit status to stop with, or nullopt.
std::optional<int> parse_import(Command& command, const Arguments& args, ImportRequest& request) {
  std::string out, to, holidays;
  command.options()
      ("rules,r", po::value<std::vector<std::string>>(&request.rules)->multitoken(), "rule files or directories")
      ("extract,e", po::value<std::vector<std::string>>(&request.extracts),
       "extract block to apply (repeat to apply several to each row)")
      ("as-of,a", date_value("as-of", &request.as_of), "the date the samples describe (2020-02-04 or 04/02/2020)")
      ("out,o", po::value<std::string>(&out), "write the samples to FILE (replaced only on success); "
                                              "default: standard output")
      ("to", po::value<std::string>(&to), "send the samples to the daemon's ingest endpoint as one "
                                          "acknowledged batch (e.g. tcp://127.0.0.1:7610)")
      ("strict", po::bool_switch(&request.strict), "import nothing if any row is bad")
      ("close", po::bool_switch(&request.close),
       "with --to: close the date once sent, so its alerts are decided now (for the date's last list; "
       "without it the date stays open for the other lists)")
      ("holidays", po::value<std::string>(&holidays),
       "bank holiday file to use instead of the one built in (data/bank_holidays_england_wales.txt)")
      ("quiet,q", po::bool_switch(&request.quiet), "no summary when every row was imported");
  command.add(connection_group(request.connection));
  command.add(curve_group(request.curve));
  command.positional("files", -1, po::value<std::vector<std::string>>(&request.files));
  if (auto stop = command.parse(args)) return stop;
  if (command.has("out")) request.out = out;
  if (command.has("to")) request.to = to;
  if (command.has("holidays")) request.holidays = holidays;
  if (request.rules.empty()) return command.usage_error("--rules is required");
  if (!request.as_of) return command.usage_error("--as-of is required");
  if (request.files.empty()) return command.usage_error("no CSV file given");
  if (request.out && request.to) return command.usage_error("give --out or --to, not both");
  return std::nullopt;
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
  if (request.holidays) {
    std::string text, error;
    if (!loader::read_file(*request.holidays, text)) {
      command.fail("cannot read " + *request.holidays);
      return std::nullopt;
    }
    plan.holidays = extract::HolidayCalendar::parse(text, error);
    if (!plan.holidays) {
      std::cerr << *request.holidays << ":" << error << "\n";
      return std::nullopt;
    }
  }
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
      [](const std::string& line) {
        std::fputs(line.c_str(), stderr);
        std::fputc('\n', stderr);
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

}  // namespace

int run_import(const Arguments& args) {
  Command command("import", "--rules PATH... --extract NAME --as-of DATE [--out FILE | --to EP] [--strict] FILE...",
                  "Reads CSV lists (Annex A, workforce) through the `extract` blocks of the rules and writes\n"
                  "sample lines, one per `sample` per row, dated the as-of date. Every bad row is reported as\n"
                  "file:line: column \"X\": reason and the good rows imported (exit 4), unless --strict: then\n"
                  "nothing is (exit 1). Nothing is written when the rules, a mapping or a file cannot be used.");
  ImportRequest request;
  if (auto stop = parse_import(command, args, request)) return *stop;
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
