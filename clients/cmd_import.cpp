// `bandwatch import --rules PATH... --extract NAME --as-of DATE [--out FILE | --to EP] [--strict]
// FILE...`: turns CSV lists into sample lines through the `extract` blocks of the rules.
//
// Output is all or nothing: samples are written to a temporary file beside --out (or a spool for
// standard output) and only put in place when no file failed outright, and, with --strict, no
// row was rejected. (An --out that is not a regular file, such as /dev/null or a pipe, is
// written as the rows are read.) Every rejected row is reported on stderr as `file:line: column "X": reason`.
//
// Exit status: 0 every row imported (or filtered by a `where`); 3 some rows rejected (good rows
// imported unless --strict); 1 the rules, a mapping or a file could not be used (nothing
// written); 2 usage.
#include <unistd.h>

#include <boost/program_options.hpp>
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

constexpr int kExitRowsRejected = 3;
constexpr int kExitDaemonSilent = 4;

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

}  // namespace

int run_import(const Arguments& args) {
  po::options_description options(
      "usage: bandwatch import --rules PATH... --extract NAME --as-of DATE [--out FILE | --to EP]\n"
      "                        [--strict] FILE...\n\n"
      "Reads CSV lists (Annex A, workforce) through the `extract` blocks of the rules and writes\n"
      "sample lines, one per `sample` per row, dated the as-of date. Every bad row is reported as\n"
      "file:line: column \"X\": reason. Exit 0 when every row was imported or filtered by `where`,\n"
      "3 when rows were rejected (the good rows are imported unless --strict), 1 when the rules, a\n"
      "mapping or a file cannot be used (nothing is written), 2 on a usage error.\n\noptions");
  options.add_options()("help,h", "show this help")
      ("rules,r", po::value<std::vector<std::string>>()->multitoken(), "rule files or directories")
      ("extract,e", po::value<std::vector<std::string>>(),
       "extract block to apply (repeat to apply several to each row)")
      ("as-of,a", po::value<std::string>(), "the date the samples describe (yyyy-mm-dd or dd/mm/yyyy)")
      ("out,o", po::value<std::string>(), "write the samples to FILE (replaced only on success); "
                                          "default: standard output")
      ("to", po::value<std::string>(), "send the samples to the daemon's ingest endpoint as one "
                                       "acknowledged batch (e.g. tcp://127.0.0.1:7601)")
      ("strict", "import nothing if any row is bad")
      ("holidays", po::value<std::string>(),
       "bank holiday file to use instead of the one built in (data/bank_holidays_england_wales.txt)")
      ("quiet,q", "no summary when every row was imported");
  ConnectionOptions connection;
  add_connection_options(options, connection);
  po::options_description hidden;
  hidden.add_options()("files", po::value<std::vector<std::string>>(), "CSV files");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("files", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  auto usage = [&](const std::string& message) {
    std::cerr << "bandwatch import: " << message << "\n\n" << options << "\n";
    return 2;
  };
  if (!vm.count("rules")) return usage("--rules is required");
  if (!vm.count("as-of")) return usage("--as-of is required");
  if (!vm.count("files")) return usage("no CSV file given");
  if (vm.count("out") && vm.count("to")) return usage("give --out or --to, not both");

  extract::DateParse as_of = extract::parse_date(vm["as-of"].as<std::string>());
  if (!as_of.date) return usage("--as-of: " + as_of.reason);

  std::optional<extract::HolidayCalendar> custom_holidays;
  if (vm.count("holidays")) {
    std::string path = vm["holidays"].as<std::string>(), text, error;
    if (!loader::read_file(path, text)) {
      std::cerr << "bandwatch import: cannot read " << path << "\n";
      return 1;
    }
    custom_holidays = extract::HolidayCalendar::parse(text, error);
    if (!custom_holidays) {
      std::cerr << path << ":" << error << "\n";
      return 1;
    }
  }

  loader::LoadedRules loaded = loader::load_rules(vm["rules"].as<std::vector<std::string>>());
  loader::check_program(loaded);
  std::vector<Diagnostic> errors;
  for (const Diagnostic& diagnostic : loaded.diagnostics)
    if (diagnostic.severity == Severity::error) errors.push_back(diagnostic);
  if (!errors.empty()) {
    print_diagnostics(errors, loaded.sources);
    std::cerr << "bandwatch import: the rules have errors (see `bandwatch check`); nothing imported\n";
    return 1;
  }

  if (!vm.count("extract"))
    return usage("--extract is required; the rules have: " + joined(extract_names(loaded)));
  std::vector<extract::ExtractSource> sources;
  std::vector<Diagnostic> mapping_errors;
  for (const std::string& name : vm["extract"].as<std::vector<std::string>>()) {
    const ast::ExtractDecl* found = nullptr;
    std::string found_in;
    for (const ast::File& file : loaded.files)
      for (const ast::Item& item : file.items)
        if (const auto* decl = std::get_if<ast::ExtractDecl>(&item); decl && decl->name == name) {
          found = decl;
          found_in = file.path;
        }
    if (!found) {
      std::vector<std::string> names = extract_names(loaded);
      std::string suggestion = did_you_mean(name, names);
      std::cerr << "bandwatch import: no extract '" << name << "' in the rules"
                << (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?")
                << " (extracts: " << joined(names) << ")\n";
      return 1;
    }
    for (Diagnostic& diagnostic : extract::check_extract(*found, found_in))
      if (diagnostic.severity == Severity::error) mapping_errors.push_back(std::move(diagnostic));
    sources.push_back({found, found_in});
  }
  if (!mapping_errors.empty()) {
    print_diagnostics(mapping_errors, loaded.sources);
    return 1;
  }

  Output output;
  if (!output.open(vm.count("out") ? vm["out"].as<std::string>() : std::string{})) return 1;

  // Reports can run to a line per row: buffer them rather than write each unbuffered.
  static char stderr_buffer[1 << 16];
  std::setvbuf(stderr, stderr_buffer, _IOFBF, sizeof stderr_buffer);

  extract::EvalContext context{*as_of.date, custom_holidays ? &*custom_holidays : nullptr};
  extract::SampleSink sink = [&output](std::string_view lines) { output.write(lines); };
  extract::ImportReporter reporter{
      [](const std::string& line) {
        std::fputs(line.c_str(), stderr);
        std::fputc('\n', stderr);
      },
      [&loaded](const Diagnostic& diagnostic) {
        auto source = loaded.sources.find(diagnostic.file);
        std::fputs(render(diagnostic, source == loaded.sources.end() ? std::string_view{} : source->second).c_str(),
                   stderr);
      }};

  const auto& files = vm["files"].as<std::vector<std::string>>();
  extract::ImportSummary total;
  bool quiet = vm.count("quiet") > 0;
  for (const std::string& path : files) {
    bool from_stdin = path == "-";
    FilePtr in(from_stdin ? nullptr : std::fopen(path.c_str(), "rb"));
    if (!from_stdin && !in) {
      std::fprintf(stderr, "%s: cannot open: %s\n", path.c_str(), std::strerror(errno));
      total.failed = true;
      continue;
    }
    std::string name = from_stdin ? "<stdin>" : path;
    extract::ImportSummary summary =
        extract::import_csv(from_stdin ? stdin : in.get(), name, sources, context, sink, reporter);
    if (!quiet || summary.rejected > 0 || summary.failed)
      std::fprintf(stderr, "%s: %s%s\n", name.c_str(), extract::describe(summary).c_str(),
                   summary.failed ? " (the file could not be imported)" : "");
    total += summary;
  }
  if (files.size() > 1 && (!quiet || total.rejected > 0 || total.failed))
    std::fprintf(stderr, "total: %zu files, %s\n", files.size(), extract::describe(total).c_str());

  if (total.failed) {
    output.discard();
    std::fprintf(stderr, "bandwatch import: nothing imported\n");
    std::fflush(stderr);
    return 1;
  }
  if (total.rejected > 0 && vm.count("strict")) {
    output.discard();
    std::fprintf(stderr, "bandwatch import: --strict: %zu row%s rejected, nothing imported\n",
                 total.rejected, total.rejected == 1 ? "" : "s");
    std::fflush(stderr);
    return kExitRowsRejected;
  }
  std::fflush(stderr);
  int status = total.rejected > 0 ? kExitRowsRejected : 0;
  if (vm.count("to")) {
    SendOptions send;
    send.endpoint = vm["to"].as<std::string>();
    send.connection = connection;
    send.as_of = *as_of.date;
    send.strict = vm.count("strict") > 0;
    send.quiet = quiet;
    std::vector<SampleSource> batch(1);
    batch[0].name = "<import>";
    if (!output.read_back(batch[0].text)) {
      std::fprintf(stderr, "bandwatch import: cannot read back the samples to send\n");
      return 1;
    }
    if (batch[0].text.empty()) {
      std::fprintf(stderr, "bandwatch import: no samples to send\n");
      return status;
    }
    int sent = send_samples(batch, send, "import");
    if (sent == kExitNoReply) return kExitDaemonSilent;
    if (sent != kExitOk) return 1;
    return status;
  }
  if (!output.commit()) return 1;
  return status;
}

}  // namespace bandwatch::cli
