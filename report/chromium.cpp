// Running headless Chromium as a child process: its own process group, so a hung browser and
// the helpers it forks can be killed together; its output captured through temporary files so a
// large DOM cannot fill a pipe and stall it.
#include "report/chromium.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace bandwatch::report {

namespace fs = std::filesystem;

namespace {

bool executable(const fs::path& path) { return ::access(path.c_str(), X_OK) == 0 && !fs::is_directory(path); }

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> find_chromium() {
  if (const char* chosen = std::getenv("BANDWATCH_CHROMIUM"); chosen && *chosen) {
    if (executable(chosen)) return std::string(chosen);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string dir = dirs.substr(start, end - start);
      if (!dir.empty() && executable(fs::path(dir) / name)) return (fs::path(dir) / name).string();
      start = end + 1;
    }
  }
  return std::nullopt;
}

std::string chromium_missing(const std::string& what) {
  return "headless Chromium is needed for " + what + " but is not installed: install the Debian package `" +
         std::string(kChromiumPackage) + "` (apt-get install " + kChromiumPackage +
         "), or set BANDWATCH_CHROMIUM to the browser's path";
}

std::string file_url(const std::string& path) {
  std::string absolute = fs::absolute(path).lexically_normal().string();
  std::string url = "file://";
  for (unsigned char c : absolute) {
    // Percent-encode what a URL cannot carry as is; keep the path readable otherwise.
    if (std::isalnum(c) || std::strchr("/-_.~", c)) {
      url += static_cast<char>(c);
    } else {
      char buffer[4];
      std::snprintf(buffer, sizeof buffer, "%%%02X", c);
      url += buffer;
    }
  }
  return url;
}

ChromiumRun run_chromium(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::seconds timeout) {
  ChromiumRun run;
  char pattern[] = "/tmp/bandwatch-chromium-XXXXXX";
  if (!::mkdtemp(pattern)) {
    run.error = std::string("cannot make a temporary directory: ") + std::strerror(errno);
    return run;
  }
  fs::path work(pattern);
  fs::path profile = work / "profile", out_path = work / "stdout", err_path = work / "stderr";
  fs::create_directory(profile);

  std::vector<std::string> argv_text = {
      binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage", "--no-default-browser-check", "--hide-scrollbars", "--mute-audio",
      "--user-data-dir=" + profile.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    run.error = std::string("cannot start Chromium: ") + std::strerror(errno);
    fs::remove_all(work);
    return run;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from the parent, so the group exists before any kill below
  run.started = true;

  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      run.error = std::string("waiting for Chromium: ") + std::strerror(errno);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      run.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      run.error = "Chromium did not finish within " + std::to_string(timeout.count()) + " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Helpers (zygote, utility processes) normally leave with the browser; make sure of it.
  ::kill(-pid, SIGKILL);
  if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (run.exit_code == 127 && run.error.empty()) run.error = "cannot run " + binary;
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  std::error_code ignored;
  fs::remove_all(work, ignored);
  return run;
}

std::string print_pdf(const std::string& html_path, const std::string& pdf_path) {
  std::optional<std::string> binary = find_chromium();
  if (!binary) return chromium_missing("--format pdf");
  std::error_code ignored;
  fs::remove(pdf_path, ignored);
  ChromiumRun run = run_chromium(*binary, {"--no-pdf-header-footer", "--print-to-pdf=" + fs::absolute(pdf_path).string(),
                                           file_url(html_path)});
  if (!run.started || run.timed_out) return run.error;
  if (!fs::exists(pdf_path) || fs::file_size(pdf_path) == 0) {
    std::string why = "Chromium did not write " + pdf_path + " (exit " + std::to_string(run.exit_code) + ")";
    if (!run.err.empty()) why += ":\n" + run.err;
    return why;
  }
  return {};
}

}  // namespace bandwatch::report
