// The real bandwatchd for the benchmarks (daemon_bench, soak_bench): started on loopback
// wildcard ports in a directory of its own (its log in DIRECTORY/daemon.log), found through the
// endpoints.json it writes, stopped with SIGTERM; and what /proc says of it (CPU, resident
// memory).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class DaemonProcess {
 public:
  /// Starts `bandwatchd` on `rules` with its state in DIRECTORY/state and `extra` options.
  DaemonProcess(const std::string& bandwatchd, const std::string& rules, const std::string& directory,
                const std::vector<std::string>& extra)
      : state_(directory + "/state") {
    std::filesystem::create_directories(directory);
    std::vector<std::string> argv{bandwatchd, "--rules", rules, "--state-dir", state_,
                                  "--ingest", "tcp://127.0.0.1:*", "--publish", "tcp://127.0.0.1:*",
                                  "--control", "tcp://127.0.0.1:*"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = directory + "/daemon.log";
      std::freopen(log.c_str(), "w", stderr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    for (int i = 0; i < 3000; ++i) {
      nlohmann::json endpoints = nlohmann::json::parse(read_all(state_ + "/endpoints.json"), nullptr, false);
      if (endpoints.is_object() && endpoints.value("pid", 0) == pid_) {
        ingest = endpoints["ingest"];
        publish = endpoints["publish"];
        control = endpoints["control"];
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("bandwatchd did not start: " + read_all(directory + "/daemon.log"));
  }
  ~DaemonProcess() {
    ::kill(pid_, SIGTERM);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  std::string ingest, publish, control;
  const std::string& state_dir() const { return state_; }
  pid_t pid() const { return pid_; }

  /// CPU seconds the daemon has used so far (all its threads), from /proc.
  double cpu_seconds() const { return stat_cpu_seconds("/proc/" + std::to_string(pid_) + "/stat"); }

  /// CPU seconds so far of each of the daemon's threads, by thread id.
  std::map<std::string, double> thread_cpu_seconds() const {
    std::map<std::string, double> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task"))
      out[entry.path().filename().string() + ":" + thread_name(entry.path() / "comm")] =
          stat_cpu_seconds(entry.path() / "stat");
    return out;
  }

  /// Resident memory now (VmRSS), in bytes.
  std::size_t resident_bytes() const {
    std::istringstream status(read_all("/proc/" + std::to_string(pid_) + "/status"));
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
  }

 private:
  static std::string thread_name(const std::filesystem::path& comm) {
    std::string name = read_all(comm);
    while (!name.empty() && name.back() == '\n') name.pop_back();
    return name;
  }
  static double stat_cpu_seconds(const std::string& path) {
    std::string stat = read_all(path);
    std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i)
      if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  std::string state_;
  pid_t pid_;
};

}  // namespace bench
