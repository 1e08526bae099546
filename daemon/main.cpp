// bandwatchd: the daemon. The main thread owns signals and the rule-file watch and tells the
// server thread what to do over an inproc PAIR; the server thread owns the engine, the store and
// the sockets; the ZAP thread (with CURVE) admits clients by key.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "http/board_hub.hpp"
#include "http/http_server.hpp"
#include "loader/rule_files.hpp"
#include "options.hpp"
#include "protocol/curve_keys.hpp"
#include "server.hpp"
#include "state/state_dir.hpp"
#include "zap.hpp"

namespace {

namespace fs = std::filesystem;
using namespace bandwatch;
using namespace bandwatch::daemon;

std::shared_ptr<spdlog::logger> make_logger(const DaemonOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!options.log_file.empty())
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.log_file));
  auto logger = std::make_shared<spdlog::logger>("bandwatchd", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(options.log_level));
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

/// What the rule files look like on disk: any edit, addition or removal changes it.
std::string rule_files_signature(const std::vector<std::string>& paths) {
  std::vector<std::string> missing;
  std::string signature;
  for (const std::string& file : loader::collect_rule_files(paths, missing)) {
    std::error_code error;
    auto time = fs::last_write_time(file, error);
    auto size = fs::file_size(file, error);
    signature += file + '\0' + std::to_string(time.time_since_epoch().count()) + '\0' +
                 std::to_string(size) + '\n';
  }
  for (const std::string& path : missing) signature += "missing " + path + '\n';
  return signature;
}

/// Writes the bound endpoints to STATE_DIR/endpoints.json (atomically), so tools and tests that
/// bound wildcard ports (tcp://127.0.0.1:*) can find them.
void write_endpoints(const std::string& directory, const Server::Endpoints& endpoints, const std::string& http) {
  nlohmann::json json = {{"ingest", endpoints.ingest},
                         {"publish", endpoints.publish},
                         {"control", endpoints.control},
                         {"pid", ::getpid()}};
  if (!http.empty()) json["http"] = http;
  fs::path path = fs::path(directory) / "endpoints.json";
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << json.dump() << "\n";
  }
  std::error_code ignored;
  fs::rename(temporary, path, ignored);
}

}  // namespace

int main(int argc, char** argv) {
  DaemonOptions options;
  switch (parse_daemon_options(argc, argv, options)) {
    case ParseOutcome::exit_ok: return 0;
    case ParseOutcome::exit_error: return 2;
    case ParseOutcome::run: break;
  }
  std::shared_ptr<spdlog::logger> log;
  try {
    log = make_logger(options);
  } catch (const spdlog::spdlog_ex& error) {
    std::fprintf(stderr, "bandwatchd: cannot open the log: %s\n", error.what());
    return 2;
  }

  // Signals are taken synchronously by the main thread; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // One daemon per state directory (a second would interleave writes and sequence numbers), and
  // only on state that can be continued: a lost or damaged history is refused, not restarted.
  std::string error;
  const std::string& state_dir = options.server.state_dir;
  std::optional<state::StateDirLock> lock = state::StateDirLock::acquire(state_dir, error);
  if (!lock) {
    log->critical("cannot start: {}", error);
    return 1;
  }
  state::StateDirCheck check = state::check_state_dir(state_dir);
  if (!check.ok() && options.reinitialise) {
    std::optional<std::string> aside = state::set_aside_state(state_dir, error);
    if (!aside) {
      log->critical("cannot start: --reinitialise: {}", error);
      return 1;
    }
    log->warn("--reinitialise: {}", check.problem.substr(0, check.problem.find(". To recover")));
    log->warn("--reinitialise: the old state is in {}; starting a new history", *aside);
    check = state::check_state_dir(state_dir);
  } else if (options.reinitialise) {
    log->info("--reinitialise: {} holds sound state; nothing set aside", state_dir);
  }
  if (!check.ok()) {
    log->critical("cannot start: {}", check.problem);
    return 1;
  }

  if (!options.curve_secret_key.empty()) {
    auto keys = protocol::read_curve_keys(options.curve_secret_key, error);
    if (!keys || keys->secret_key.empty()) {
      log->critical("{}", keys ? options.curve_secret_key + ": has no secret-key" : error);
      return 1;
    }
    options.server.curve = *keys;
  }

  // Taken before the rules are read, so an edit made while the daemon starts is not missed.
  std::string signature = rule_files_signature(options.server.rule_paths);

  zmq::context_t context(1);
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<Server> server;
  const std::string pipe_endpoint = "inproc://bandwatchd-pipe";
  zmq::socket_t pipe(context, zmq::socket_type::pair);
  pipe.set(zmq::sockopt::linger, 0);
  std::string failure;
  try {
    // The ZAP handler must be listening before any CURVE socket binds.
    if (options.server.curve) zap = std::make_unique<ZapHandler>(context, options.authorized_keys, log);
    server = Server::open(context, options.server, log, failure);
    if (server) pipe.bind(pipe_endpoint);
  } catch (const std::exception& error) {  // the ZAP handler's or the pipe's socket
    failure = error.what();
    server.reset();
  }
  // The database exists now: from here on the directory holds a history (state/state_dir.hpp).
  if (server && !state::mark_state_dir(state_dir, failure)) server.reset();
  if (!server) {
    log->critical("cannot start: {}", failure);
    pipe.close();
    context.shutdown();
    if (zap) zap->join();
    return 1;
  }
  // The live board: a client of the daemon on threads of its own (bw-board, bw-http).
  std::unique_ptr<http::BoardHub> hub;
  std::unique_ptr<http::BoardServer> board;
  if (options.board.enabled()) {
    hub = std::make_unique<http::BoardHub>(context, log);
    board = http::BoardServer::start(options.board, *hub, log, failure);
    if (!board) {
      log->critical("cannot start: {}", failure);
      hub.reset();
      server.reset();
      pipe.close();
      context.shutdown();
      if (zap) zap->join();
      return 1;
    }
    hub->start();
  }
  auto stop_board = [&] {
    if (hub) hub->stop();  // first: its requests are answered while the server still serves
    if (board) board->stop();
    board.reset();
    hub.reset();
  };
  const Server::Endpoints& endpoints = server->endpoints();
  write_endpoints(options.server.state_dir, endpoints, board ? board->address() : "");
  log->info("bandwatchd started: ingest {}, alerts {}, control {}{}", endpoints.ingest, endpoints.publish,
            endpoints.control, options.server.curve ? " (CURVE)" : "");
  if (board)
    log->info("live board on http://{}/ ({})", board->address(),
              !options.board.accounts_file.empty() ? "sign-in with " + options.board.accounts_file
              : !options.board.trusted_header.empty() ? "users named by the proxy's " + options.board.trusted_header
                                                      : std::string("read-only, loopback"));
  if (options.insecure_public && !options.server.curve)
    log->warn("--insecure-public: sockets beyond loopback without CURVE; anyone who reaches them is served");

  std::atomic<bool> server_done{false};
  int server_code = 0;
  std::thread thread([&] {
    pthread_setname_np(pthread_self(), "bw-serve");
    server_code = server->run(pipe_endpoint);
    server_done = true;
  });

  // A key taken out of the authorized folder is refused at the next handshake by ZAP; the
  // connections it already has are cut here, within a tick, so a revoked watcher stops hearing.
  auto authorized_keys = [&] {
    std::vector<std::string> problems;
    std::vector<std::string> keys = protocol::read_authorized_keys(options.authorized_keys, problems);
    return std::set<std::string>(keys.begin(), keys.end());
  };

  const long tick_ms = options.watch_interval_ms > 0 ? std::min(options.watch_interval_ms, 500) : 500;
  auto next_watch = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.watch_interval_ms);
  bool stopping = false;
  while (!stopping && !server_done) {
    timespec timeout{tick_ms / 1000, (tick_ms % 1000) * 1'000'000};
    int received = sigtimedwait(&signals, nullptr, &timeout);
    if (received == SIGTERM || received == SIGINT) {
      log->info("{}: stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
      stop_board();
      pipe.send(zmq::buffer(kPipeStop), zmq::send_flags::none);
      stopping = true;
    } else if (received == SIGHUP) {
      log->info("SIGHUP: reloading the rules");
      std::string message = std::string(kPipeReload) + " SIGHUP";
      pipe.send(zmq::buffer(message), zmq::send_flags::none);
      signature = rule_files_signature(options.server.rule_paths);
    }
    if (!stopping && zap) {
      std::vector<std::string> revoked = zap->take_revoked(authorized_keys());
      if (!revoked.empty()) {
        log->warn("{} admitted client key(s) left {} ({}...): cutting every connection so each client is admitted "
                  "again by its key",
                  revoked.size(), options.authorized_keys, revoked.front());
        pipe.send(zmq::buffer(kPipeCutConnections), zmq::send_flags::none);
      }
    }
    if (!stopping && options.watch_interval_ms > 0 && std::chrono::steady_clock::now() >= next_watch) {
      next_watch = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.watch_interval_ms);
      std::string now = rule_files_signature(options.server.rule_paths);
      if (now != signature) {
        signature = now;
        log->info("rule files changed: reloading");
        std::string message = std::string(kPipeReload) + " rule files changed";
        pipe.send(zmq::buffer(message), zmq::send_flags::none);
      }
    }
  }
  thread.join();
  stop_board();
  server.reset();
  pipe.close();
  context.shutdown();  // the ZAP thread sees ETERM
  if (zap) zap->join();
  zap.reset();
  context.close();
  log->info("bandwatchd stopped");
  return server_code;
}
