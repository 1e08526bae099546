#include "harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <zmq.hpp>

namespace bandwatch::e2e {

namespace fs = std::filesystem;

std::string bandwatchd_path() { return BANDWATCHD_PATH; }
std::string bandwatch_path() { return BANDWATCH_PATH; }
std::string source_dir() { return BANDWATCH_SOURCE_DIR; }
std::string testdata(const std::string& name) { return source_dir() + "/tests/e2e/testdata/" + name; }
std::string examples(const std::string& name) { return source_dir() + "/examples/" + name; }

namespace {
std::atomic<int> temp_counter{0};
}

TempDir::TempDir() {
  path_ = (fs::temp_directory_path() /
           ("bw_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(temp_counter++)))
              .string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  if (!std::getenv("BANDWATCH_KEEP_TEST_DIRS")) {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

Process::Process(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
                 const std::string& stdin_path, const Environment& environment)
    : out_path_(out_path), err_path_(err_path) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    for (const auto& [name, value] : environment) ::setenv(name.c_str(), value.c_str(), 1);
    int in = ::open(stdin_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(10s);
  }
}

bool Process::running() {
  if (status_) return false;
  int status = 0;
  pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  wait_until([&] { return !running(); }, timeout);
  return status_;
}

void Process::signal(int number) {
  if (running()) ::kill(pid_, number);
}

Result run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const Environment& environment) {
  TempDir dir;
  Result result;
  {
    Process process(argv, dir / "out", dir / "err", "/dev/null", environment);
    auto status = process.wait(timeout);
    if (!status) {
      process.signal(SIGKILL);
      status = process.wait(10s);
      result.code = -1;
    } else {
      result.code = *status;
    }
  }
  result.out = read_text(dir / "out");
  result.err = read_text(dir / "err");
  return result;
}

Daemon::Daemon(std::string directory, std::vector<std::string> rules, std::vector<std::string> extra)
    : directory_(std::move(directory)), rules_(std::move(rules)), extra_(std::move(extra)) {}

Daemon::~Daemon() {
  if (process_ && process_->running()) {
    process_->signal(SIGTERM);
    if (!process_->wait(20s)) process_->signal(SIGKILL);
  }
}

void Daemon::start(bool same_endpoints) {
  std::vector<std::string> argv{bandwatchd_path(), "--state-dir", state_dir(), "--log-level", "debug"};
  argv.push_back("--rules");
  for (const std::string& rule : rules_) argv.push_back(rule);
  argv.push_back("--ingest");
  argv.push_back(same_endpoints ? ingest : "tcp://127.0.0.1:*");
  argv.push_back("--publish");
  argv.push_back(same_endpoints ? publish : "tcp://127.0.0.1:*");
  argv.push_back("--control");
  argv.push_back(same_endpoints ? control_endpoint : "tcp://127.0.0.1:*");
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<Process>(argv, directory_ + "/daemon.out", log_path());
  pid_t pid = process_->pid();
  std::string endpoints_file = state_dir() + "/endpoints.json";
  bool ready = wait_until([&] {
    if (!process_->running()) return true;
    json endpoints = json::parse(read_text(endpoints_file), nullptr, false);
    return endpoints.is_object() && endpoints.value("pid", 0) == pid;
  }, 60s);
  if (!ready || !process_->running())
    throw std::runtime_error("bandwatchd did not start; its log:\n" + log());
  json endpoints = json::parse(read_text(endpoints_file));
  ingest = endpoints["ingest"];
  publish = endpoints["publish"];
  control_endpoint = endpoints["control"];
}

int Daemon::stop() {
  process_->signal(SIGTERM);
  auto status = process_->wait(30s);
  return status ? *status : -1;
}

void Daemon::kill9() {
  process_->signal(SIGKILL);
  process_->wait(10s);
}

bool Daemon::running() { return process_ && process_->running(); }

Result Daemon::control(const std::string& command, std::vector<std::string> args) {
  std::vector<std::string> argv{bandwatch_path(), command};
  if (command == "watch") {
    argv.insert(argv.end(), {"--from", publish});
  }
  if (command == "send") argv.insert(argv.end(), {"--to", ingest});
  else argv.insert(argv.end(), {"--control", control_endpoint});
  argv.insert(argv.end(), client_security.begin(), client_security.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

Result Daemon::send(std::vector<std::string> args) {
  args.insert(args.begin(), "--close");
  return control("send", std::move(args));
}

Result Daemon::send_open(std::vector<std::string> args) { return control("send", std::move(args)); }

Result Daemon::close_date() { return control("close"); }

json Daemon::status() {
  Result result = control("status", {"--format", "json"});
  if (result.code != 0) throw std::runtime_error("bandwatch status failed: " + result.err);
  return json::parse(result.out);
}

json Daemon::snapshot(const std::string& route) {
  std::vector<std::string> args{"--format", "json"};
  if (!route.empty()) args.insert(args.end(), {"--route", route});
  Result result = control("snapshot", args);
  if (result.code != 0) throw std::runtime_error("bandwatch snapshot failed: " + result.err);
  return json::parse(result.out);
}

std::vector<json> Daemon::event_log() {
  std::vector<json> events;
  std::uint64_t from = 1;
  for (;;) {
    auto reply = raw_request(control_endpoint, {json{{"command", "events"}, {"from", from}, {"limit", 10000}}.dump()});
    if (!reply || reply->size() != 1) throw std::runtime_error("no answer to events");
    json page = json::parse((*reply)[0]);
    if (page["events"].empty()) break;
    for (json& event : page["events"]) events.push_back(event);
    from = events.back()["sequence"].get<std::uint64_t>() + 1;
  }
  return events;
}

Watch::Watch(Daemon& daemon, const std::string& directory, std::vector<std::string> extra) {
  std::vector<std::string> argv{bandwatch_path(), "watch", "--from", daemon.publish, "--control",
                                daemon.control_endpoint, "--format", "json"};
  argv.insert(argv.end(), daemon.client_security.begin(), daemon.client_security.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  static std::atomic<int> counter{0};
  std::string base = directory + "/watch" + std::to_string(counter++);
  process_ = std::make_unique<Process>(argv, base + ".out", base + ".err");
  // Ready when it has confirmed its subscription and taken its snapshot.
  bool ready = wait_until([&] {
    return !process_->running() || process_->err().find("following") != std::string::npos;
  }, 30s);
  if (!ready || !process_->running())
    throw std::runtime_error("bandwatch watch did not start: " + process_->err());
}

Watch::~Watch() {
  process_->signal(SIGTERM);
  process_->wait(10s);
}

std::vector<json> Watch::lines() const {
  std::vector<json> out;
  std::istringstream in(process_->out());
  std::string line;
  while (std::getline(in, line)) {
    json parsed = json::parse(line, nullptr, false);
    if (!parsed.is_discarded()) out.push_back(std::move(parsed));
  }
  return out;
}

std::vector<json> Watch::events() const {
  std::vector<json> out;
  for (json& line : lines())
    if (line.value("kind", "") != "snapshot") out.push_back(std::move(line));
  return out;
}

bool Watch::wait_for(const std::function<bool(const std::vector<json>&)>& condition,
                     std::chrono::milliseconds timeout) const {
  return wait_until([&] { return condition(lines()); }, timeout);
}

std::optional<std::vector<std::string>> raw_request(const std::string& endpoint,
                                                    const std::vector<std::string>& frames, bool dealer,
                                                    std::chrono::milliseconds timeout) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, dealer ? zmq::socket_type::dealer : zmq::socket_type::req);
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(endpoint);
  for (std::size_t i = 0; i < frames.size(); ++i)
    socket.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
  zmq::poll(items, 1, timeout);
  if (!(items[0].revents & ZMQ_POLLIN)) return std::nullopt;
  std::vector<std::string> reply;
  zmq::message_t part;
  do {
    (void)socket.recv(part, zmq::recv_flags::none);
    reply.push_back(part.to_string());
  } while (part.more());
  return reply;
}

}  // namespace bandwatch::e2e
