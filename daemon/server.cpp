#include "server.hpp"

#include <thread>

#include "connection_log.hpp"
#include "http/board_hub.hpp"
#include "control.hpp"
#include "ingest.hpp"
#include "open_date.hpp"
#include "recovery.hpp"
#include "server_state.hpp"

namespace bandwatch::daemon {

using nlohmann::json;

// ---- setup ---------------------------------------------------------------------------------

Server::Server(zmq::context_t& context, ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : context_(context), state_(std::make_unique<ServerState>(context, std::move(options), std::move(log))) {
  state_->started = state_->progress.last_checkpoint = last_heartbeat_ = std::chrono::steady_clock::now();
}

Server::~Server() = default;

std::unique_ptr<Server> Server::open(zmq::context_t& context, ServerOptions options,
                                     std::shared_ptr<spdlog::logger> log, std::string& error) {
  std::unique_ptr<Server> server(new Server(context, std::move(options), std::move(log)));
  std::optional<std::string> failure;
  try {
    failure = server->start();
  } catch (const std::exception& unexpected) {  // out of memory, a socket that cannot be made
    failure = unexpected.what();
  }
  if (failure) {
    error = *failure;
    return nullptr;
  }
  return server;
}

std::optional<std::string> Server::start() {
  ServerState& state = *state_;
  std::string error;
  state.store = Store::open(state.options.state_dir, state.options.sync, error);
  if (state.store) state.reader = Store::open(state.options.state_dir, state.options.sync, error);
  if (!state.store || !state.reader) return error;

  ProgramLoad loaded = load_program(state.options.rule_paths);
  if (loaded.no_files)
    loaded.errors.push_back(one_line({state.options.rule_paths.empty() ? std::string("--rules") : state.options.rule_paths.front(),
                                      {}, Severity::error, "no .bw rule files found"}));
  for (const std::string& warning : loaded.warnings) state.log->warn("{}", warning);
  if (!loaded.errors.empty()) {
    std::string message = "the rules have errors:";
    for (const std::string& line : loaded.errors) {
      state.log->error("{}", line);
      message += "\n  " + line;
    }
    return message;
  }
  state.program = std::move(*loaded.program);

  if (auto failed = recover(state)) return failed;
  state.notifier = notify::Notifier::start(state.options.state_dir, state.options.sync, state.options.notify, state.log, error);
  if (!state.notifier) return error;
  state.notifier->set_routes(notify::notify_routes(state.program.rules.files));
  if (std::optional<Date> closed = state.engine.last_as_of()) state.notifier->note_closed(*closed);
  ingest_ = std::make_unique<IngestPipeline>(state, context_);
  control_ = std::make_unique<ControlHandlers>(state, *ingest_, context_);
  return bind_sockets();
}

std::optional<std::string> Server::bind_sockets() {
  const ServerOptions& options = state_->options;
  auto secure = [&](zmq::socket_t& socket) {
    socket.set(zmq::sockopt::linger, 0);
    if (!options.curve) return;
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, options.curve->secret_key);
    socket.set(zmq::sockopt::zap_domain, "bandwatch");
  };
  std::optional<std::string> failure;
  auto bind = [&](zmq::socket_t& socket, const std::string& endpoint, const char* what) -> std::string {
    if (failure) return {};
    try {
      socket.bind(endpoint);
    } catch (const zmq::error_t& error) {
      failure = std::string("cannot bind the ") + what + " socket to " + endpoint + ": " + error.what();
      return {};
    }
    return socket.get(zmq::sockopt::last_endpoint);
  };
  zmq::socket_t& ingest = ingest_->socket();
  zmq::socket_t& publish = state_->events.socket();
  zmq::socket_t& control = control_->socket();
  secure(ingest);
  // Frames over the limit are cut off by libzmq (the connection drops); a batch split into
  // frames under it is measured whole and refused with an answer.
  ingest.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_batch_bytes + 65536));
  ingest.set(zmq::sockopt::rcvhwm, 1000);
  secure(publish);
  publish.set(zmq::sockopt::sndhwm, options.publish_hwm);
  secure(control);
  control.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(options.max_control_bytes * 4));
  // With CURVE, a plain client is refused on the mechanism, before ZAP could log it: log it here.
  // On ingest, also a connection dropped for a frame over the size limit, which nothing else tells.
  connections_ = std::make_unique<ConnectionLog>(context_, state_->log);
  connections_->watch(ingest, "ingest", ingest_->requests(),
                      std::to_string(options.max_batch_bytes + 65536) + " bytes (--max-batch-bytes plus 64 KiB)");
  if (options.curve) {
    connections_->watch(publish, "alerts");
    connections_->watch(control, "control");
  }
  connections_->start();
  Endpoints& endpoints = state_->endpoints;
  endpoints.ingest = bind(ingest, options.ingest_endpoint, "ingest");
  endpoints.publish = bind(publish, options.publish_endpoint, "alerts");
  endpoints.control = bind(control, options.control_endpoint, "control");
  if (!failure && options.board) {
    // In-process endpoints: no network and no ZAP; only this process reaches them.
    (void)bind(control, http::kBoardControlEndpoint, "board's control");
    (void)bind(publish, http::kBoardFeedEndpoint, "board's alerts");
  }
  if (!failure) state_->events.open_feed();
  return failure;
}

void Server::cut_connections() {
  // ZAP admits a client at its handshake only; libzmq has no call to drop one connection. A
  // bound endpoint unbound closes every connection made through it, so each client reconnects
  // (on its own, within its reconnect interval) and is admitted again, or not, by its key.
  ServerState& state = *state_;
  for (auto [socket, endpoint] : {std::pair{&ingest_->socket(), state.endpoints.ingest},
                                  std::pair{&state.events.socket(), state.endpoints.publish},
                                  std::pair{&control_->socket(), state.endpoints.control}}) {
    try {
      socket->unbind(endpoint);
    } catch (const zmq::error_t& error) {
      state.log->error("cannot unbind {}: {}", endpoint, error.what());
      continue;
    }
    // The listener closes on libzmq's I/O thread: the port may be busy a moment longer.
    for (int attempt = 0;; ++attempt) {
      try {
        socket->bind(endpoint);
        break;
      } catch (const zmq::error_t& error) {
        if (error.num() != EADDRINUSE || attempt == 500) {
          state.log->critical("cannot bind {} again after cutting its connections: {}; stopping", endpoint,
                              error.what());
          state.failed = true;
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  state.log->info("client keys revoked: every connection cut; clients are admitted again by their keys");
}

const Server::Endpoints& Server::endpoints() const { return state_->endpoints; }

void Server::heartbeat() {
  state_->events.heartbeat();
  // Digests fall due by the dates evaluated; the heartbeat has settled the writer, so every
  // event of this date is in the log the notifier reads.
  if (std::optional<Date> closed = state_->engine.last_as_of()) state_->notifier->note_closed(*closed);
  last_heartbeat_ = std::chrono::steady_clock::now();
}

// ---- the loop ------------------------------------------------------------------------------

int Server::run(const std::string& pipe_endpoint) {
  ServerState& state = *state_;
  zmq::socket_t pipe(context_, zmq::socket_type::pair);
  pipe.set(zmq::sockopt::linger, 0);
  pipe.connect(pipe_endpoint);
  int code = 0;
  try {
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(last_heartbeat_ + state.options.heartbeat - now);
      if (wait.count() < 0) wait = std::chrono::milliseconds(0);
      // While the writer is full, batches wait in the socket (and the clients wait for answers).
      short ingest_events = ingest_->has_room() ? ZMQ_POLLIN : 0;
      zmq::pollitem_t items[] = {{pipe.handle(), 0, ZMQ_POLLIN, 0},
                                 {ingest_->wake().handle(), 0, ZMQ_POLLIN, 0},
                                 {control_->socket().handle(), 0, ZMQ_POLLIN, 0},
                                 {ingest_->socket().handle(), 0, ingest_events, 0}};
      zmq::poll(items, 4, wait);
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t message;
        (void)pipe.recv(message, zmq::recv_flags::none);
        std::string text = message.to_string();
        if (text == kPipeStop) break;
        if (text == kPipeCutConnections) {
          ingest_->settle();  // the writer publishes: it must be idle while the PUB socket rebinds
          cut_connections();
        }
        if (text.rfind(kPipeReload, 0) == 0) {
          std::string reason = text.size() > kPipeReload.size() + 1 ? text.substr(kPipeReload.size() + 1) : "reload";
          ingest_->settle();
          (void)control_->reload(reason);
        }
      }
      if (items[1].revents & ZMQ_POLLIN) ingest_->on_written();
      // Control first, so a flood of batches cannot starve a snapshot or an ack.
      if (items[2].revents & ZMQ_POLLIN) control_->on_control();
      if (items[3].revents & ZMQ_POLLIN) ingest_->on_ingest();
      if (std::chrono::steady_clock::now() - last_heartbeat_ >= state.options.heartbeat) {
        ingest_->settle();  // the heartbeat tells the last sequence number: every event up to it is out
        heartbeat();
        maybe_checkpoint(state);
        // A date with no batch for --close-after closes itself: its senders are done.
        if (ingest_->idle() && ingest_->has_nothing_in_flight() && open_date_expired(state))
          (void)ingest_->close_open_date("no batch for " + std::to_string(state.options.close_after.count()) +
                                         " s (--close-after)");
        if (ingest_->idle() && !(items[3].revents & ZMQ_POLLIN)) state.store->checkpoint_wal();  // idle
      }
      // Whatever freed the writer (a commit, a settle for a control request or a heartbeat)
      // lets waiting batches go on at once, not at the next message.
      ingest_->dispatch();
      if (state.failed) {
        code = 1;
        break;
      }
    }
  } catch (const zmq::error_t& error) {
    if (error.num() != ETERM) {
      state.log->critical("socket error: {}", error.what());
      code = 1;
    }
  } catch (const std::exception& error) {
    // Input errors are answered where they arise; this is a bug. Stop cleanly (systemd
    // restarts the daemon, and the store has every answered batch).
    state.log->critical("stopping on an unexpected error: {}", error.what());
    code = 1;
    state.failed = true;
  }
  try {
    ingest_->settle();  // what the writer has is written and answered before the daemon stops
  } catch (const std::exception& error) {
    state.log->error("stopping: {}", error.what());
  }
  if (!state.failed && state.progress.last_batch_seq != state.progress.checkpoint_through) {
    if (StoreStatus status = write_checkpoint(state); !status.ok())
      state.log->error("cannot write the final checkpoint: {} (a restart replays the batches)", status.error);
  }
  ingest_->socket().close();
  state.events.close_feed();
  control_->socket().close();
  pipe.close();
  return code;
}

}  // namespace bandwatch::daemon
