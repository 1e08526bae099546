// Headless Chromium, for printing the meeting pack to PDF and for the tests that check the page
// as a browser renders it. Chromium is optional at run time: only `--format pdf` needs it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bandwatch::report {

/// The Debian package that provides the browser, for error messages.
inline constexpr const char* kChromiumPackage = "chromium";

/// The browser to run: $BANDWATCH_CHROMIUM if set, else the first of `chromium`,
/// `chromium-browser`, `google-chrome` found on PATH. nullopt when there is none.
std::optional<std::string> find_chromium();

/// "headless Chromium is needed for <what> but is not installed: install the Debian package
/// `chromium` (apt-get install chromium)".
std::string chromium_missing(const std::string& what);

struct ChromiumRun {
  bool started = false;    // false: could not start (see `error`)
  bool timed_out = false;  // killed after the timeout
  int exit_code = -1;
  std::string out;         // standard output (the DOM with --dump-dom)
  std::string err;         // standard error (Chromium's own log lines)
  std::string error;       // why it did not start or did not finish
};

/// Runs `binary` headless with the flags that keep it quiet, offline and self-contained
/// (no sandbox, no GPU, no QUIC, no first-run, no background networking, no component update,
/// no sync) and a fresh user data directory, removed afterwards, then `args`. The browser and
/// every process it starts are killed if it runs longer than `timeout`.
ChromiumRun run_chromium(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::seconds timeout = std::chrono::seconds(60));

/// Prints the HTML file `html_path` to `pdf_path` (A4, as the page's print CSS lays it out).
/// Returns an empty string on success, otherwise why not (naming the package when Chromium is
/// missing).
std::string print_pdf(const std::string& html_path, const std::string& pdf_path);

/// `file:///abs/path` for a local file.
std::string file_url(const std::string& path);

}  // namespace bandwatch::report
