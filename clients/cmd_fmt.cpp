// `bandwatch fmt [--check] FILE|DIR...`: rewrites rule files in the canonical layout
// (rules/formatter.hpp). A file that does not parse is never touched; a file is only ever replaced
// whole (temporary file in the same directory, then rename), so an interrupted run leaves either
// the old text or the new one, never half of each.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "command.hpp"
#include "commands.hpp"
#include "unified_diff.hpp"
#include "rules/diagnostic.hpp"
#include "rules/formatter.hpp"
#include "rules/parser.hpp"

namespace bandwatch::cli {
namespace {

namespace fs = std::filesystem;
namespace po = boost::program_options;

constexpr const char* kStdinName = "<stdin>";

struct Options {
  bool check = false;
};

bool read_file(const fs::path& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "read error";
    return false;
  }
  return true;
}

bool write_all(int fd, const std::string& text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  return true;
}

// Replaces `path` (following a symlink to the file it names) with `text`, keeping its permission
// bits. The temporary file lives beside the target so the rename cannot cross file systems.
bool replace_file(const fs::path& path, const std::string& text, std::string& error) {
  std::error_code ec;
  fs::path target = fs::canonical(path, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  struct stat original {};
  if (::stat(target.c_str(), &original) != 0) {
    error = std::strerror(errno);
    return false;
  }
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".fmt-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    error = std::string("cannot create a temporary file: ") + std::strerror(errno);
    return false;
  }
  bool ok = write_all(fd, text) && ::fchmod(fd, original.st_mode & 07777) == 0 && ::fsync(fd) == 0;
  int saved_errno = errno;
  ok = (::close(fd) == 0) && ok;
  if (ok && ::rename(temp.c_str(), target.c_str()) != 0) {
    saved_errno = errno;
    ok = false;
  }
  if (!ok) {
    error = std::strerror(saved_errno);
    ::unlink(temp.c_str());
  }
  return ok;
}

void print_errors(const ParseResult& result, std::string_view source) {
  for (const Diagnostic& diagnostic : result.diagnostics) {
    std::string text = render(diagnostic, source);
    if (!text.empty() && text.back() != '\n') text += '\n';
    std::fputs(text.c_str(), stderr);
  }
}

enum class Outcome { unchanged, changed, failed };

// Formats one source text. On success `formatted` holds the canonical text. Refuses (and says so)
// when the formatted text would not parse back to the same tree: a formatter bug must never
// change what a rule file means.
Outcome format_source(const std::string& name, const std::string& source, std::string& formatted) {
  ParseResult parsed = parse(source, name);
  if (!parsed.ok()) {
    print_errors(parsed, source);
    return Outcome::failed;
  }
  formatted = format(parsed.file);
  ParseResult again = parse(formatted, name);
  if (!again.ok() || ast::dump(again.file) != ast::dump(parsed.file)) {
    std::fprintf(stderr,
                 "%s: error: bandwatch fmt would change the meaning of this file; left it "
                 "untouched (this is a bug in bandwatch, please report it)\n",
                 name.c_str());
    return Outcome::failed;
  }
  return formatted == source ? Outcome::unchanged : Outcome::changed;
}

bool format_stdin(const Options& options) {
  std::ostringstream buffer;
  buffer << std::cin.rdbuf();
  std::string source = buffer.str();
  std::string formatted;
  Outcome outcome = format_source(kStdinName, source, formatted);
  if (outcome == Outcome::failed) return false;
  if (options.check) {
    if (outcome == Outcome::changed)
      std::fputs(unified_diff(source, formatted, kStdinName, std::string(kStdinName) + " (formatted)").c_str(), stdout);
    return outcome == Outcome::unchanged;
  }
  std::fwrite(formatted.data(), 1, formatted.size(), stdout);
  return true;
}

bool format_path(const fs::path& path, const Options& options) {
  std::string source;
  std::string error;
  if (!read_file(path, source, error)) {
    std::fprintf(stderr, "bandwatch fmt: cannot read %s: %s\n", path.c_str(), error.c_str());
    return false;
  }
  std::string formatted;
  Outcome outcome = format_source(path.string(), source, formatted);
  if (outcome != Outcome::changed) return outcome == Outcome::unchanged;
  if (options.check) {
    // What would change, not only where: the diff names the file in its header.
    std::fputs(unified_diff(source, formatted, path.string(), path.string() + " (formatted)").c_str(), stdout);
    return false;
  }
  if (!replace_file(path, formatted, error)) {
    std::fprintf(stderr, "bandwatch fmt: cannot write %s: %s\n", path.c_str(), error.c_str());
    return false;
  }
  return true;
}

}  // namespace

int run_fmt(const Arguments& args) {
  Command command("fmt", "[--check] FILE|DIR...",
                  "Rewrites rule files in place in the canonical layout; directories: every *.bw file below\n"
                  "them; `-` reads standard input and writes standard output.");
  command.options()("check", "change nothing; print what would change as a unified diff and exit 1 if anything would");
  loader::CollectOptions collect;
  // Links met in a folder are not followed (as gofmt does): the file they name is either under the
  // folder already or not the user's to rewrite; a link named on the command line is followed.
  collect.follow_links = false;
  command.add(rule_files_group(collect));
  command.positional("input", -1, po::value<std::vector<std::string>>());
  if (auto stop = command.parse(args)) return *stop;
  if (!command.has("input")) return command.usage_error("no files given");

  Options options;
  options.check = command.has("check");
  bool ok = true;
  for (const std::string& input : command.get<std::vector<std::string>>("input")) {
    if (input == "-") {
      ok = format_stdin(options) && ok;
      continue;
    }
    fs::path path(input);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const std::string& file : loader::collect_rule_files({input}, collect).files)
        ok = format_path(file, options) && ok;
    } else {
      ok = format_path(path, options) && ok;
    }
  }
  std::fflush(stdout);
  return ok ? kExitOk : kExitFailed;
}

}  // namespace bandwatch::cli
