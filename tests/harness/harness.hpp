// The one harness of every end-to-end suite (tests/e2e, the report and import commands against
// the real daemon): temporary directories, child processes with their output in files, the
// real bandwatchd binary started on loopback with wildcard ports (the daemon writes the ports it
// got to STATE_DIR/endpoints.json, so no port is guessed or reused), the real `bandwatch`
// clients, and waits on conditions (a file's contents, a command's answer), never fixed sleeps.
//
// Thread safety: none; one test thread drives it.
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bandwatch::e2e {

using nlohmann::json;
using namespace std::chrono_literals;

std::string bandwatchd_path();
std::string bandwatch_path();
std::string source_dir();     // the repository
std::string testdata(const std::string& name);  // tests/e2e/testdata/NAME
std::string examples(const std::string& name);  // examples/NAME

/// A fresh directory under /tmp, removed at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 20s);

/// Variables set in a child's environment (on top of the test's).
using Environment = std::map<std::string, std::string>;

/// A child process with its output in files.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
          const std::string& stdin_path = "/dev/null", const Environment& environment = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  /// Exit status (128 + signal when killed), or nullopt when still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  void signal(int number);
  std::string out() const { return read_text(out_path_); }
  std::string err() const { return read_text(err_path_); }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string out_path_, err_path_;
};

struct Result {
  int code = -1;
  std::string out, err;
};

/// Runs a command to completion (killed after `timeout`).
Result run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 60s,
           const Environment& environment = {});

/// A bandwatchd with its own state directory.
class Daemon {
 public:
  /// Does not start it: call start().
  Daemon(std::string directory, std::vector<std::string> rules, std::vector<std::string> extra = {});
  ~Daemon();

  /// Starts with wildcard ports, or the given endpoints (to come back where clients expect it);
  /// returns when endpoints.json names this process.
  void start(bool same_endpoints = false);
  /// SIGTERM and wait; returns the exit status.
  int stop();
  void kill9();
  bool running();
  Process& process() { return *process_; }

  std::string state_dir() const { return directory_ + "/state"; }
  std::string log_path() const { return directory_ + "/daemon.log"; }
  std::string log() const { return read_text(log_path()); }

  /// `bandwatch COMMAND --control EP ARGS...` (or --to/--from as the command needs).
  Result control(const std::string& command, std::vector<std::string> args = {});
  /// `bandwatch send --close ARGS...`: each send closes its last date, so its alerts are decided
  /// before the call returns (what most tests want).
  Result send(std::vector<std::string> args);
  /// `bandwatch send ARGS...`: the last date stays open for more batches.
  Result send_open(std::vector<std::string> args);
  /// `bandwatch close`: closes the open date.
  Result close_date();
  json status();
  json snapshot(const std::string& route = "");
  /// The daemon's event log from sequence 1 (control `events`).
  std::vector<json> event_log();

  std::string ingest, publish, control_endpoint;
  std::vector<std::string> client_security;  // --curve-* options every client call gets

 private:
  std::string directory_;
  std::vector<std::string> rules_, extra_;
  std::unique_ptr<Process> process_;
};

/// `bandwatch watch --format json ...` in the background, ready when it says it follows.
class Watch {
 public:
  Watch(Daemon& daemon, const std::string& directory, std::vector<std::string> extra = {});
  ~Watch();
  /// The JSON lines printed so far (snapshots have "kind":"snapshot").
  std::vector<json> lines() const;
  std::vector<json> events() const;  // lines that are events
  bool wait_for(const std::function<bool(const std::vector<json>&)>& condition,
                std::chrono::milliseconds timeout = 20s) const;
  Process& process() { return *process_; }

 private:
  std::unique_ptr<Process> process_;
};

/// A test with a daemon on the end-to-end rules (testdata/rules.bw), started for each test with
/// `--sync normal` and the options the fixture adds.
class DaemonTest : public ::testing::Test {
 protected:
  explicit DaemonTest(std::vector<std::string> options = {}) : options_(std::move(options)) {}
  void SetUp() override {
    std::vector<std::string> options{"--sync", "normal"};
    options.insert(options.end(), options_.begin(), options_.end());
    daemon_ = std::make_unique<Daemon>(dir_.path(), std::vector<std::string>{testdata("rules.bw")}, options);
    daemon_->start();
  }
  /// Writes a file in the test's directory; returns its path.
  std::string file(const std::string& name, const std::string& text) {
    write_text(dir_ / name, text);
    return dir_ / name;
  }
  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;

 private:
  std::vector<std::string> options_;
};

/// A raw ZeroMQ request to an endpoint (REQ, or DEALER with `dealer`), frames as given; the reply
/// frames, or nullopt after `timeout`.
std::optional<std::vector<std::string>> raw_request(const std::string& endpoint,
                                                    const std::vector<std::string>& frames, bool dealer = false,
                                                    std::chrono::milliseconds timeout = 5s);

}  // namespace bandwatch::e2e
