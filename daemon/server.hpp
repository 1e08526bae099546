// bandwatchd's server: the poll loop over its sockets (ingest ROUTER, alerts PUB, control
// ROUTER, the writer's wake-up, the main thread's pipe), served from one thread so that a
// snapshot is always consistent with the sequence number it reports. Each concern is a part of
// its own: the ingest pipeline (ingest.hpp, with one helper thread, StoreWriter, writing the
// transactions), the open date and its closing (open_date.hpp), recovery and checkpoints
// (recovery.hpp), event numbering and the feed (event_sequencer.hpp), silences (silences.hpp),
// the control requests (control.hpp); what they share is ServerState (server_state.hpp).
//
// Everything but ingest (control requests, heartbeats, checkpoints, reloads) first lets the
// writer finish and answers the groups it wrote ("settles"), so it sees the store and the feed
// as one.
//
// Thread safety: open on one thread, then call run() on exactly one thread (the sockets move
// with it). Nothing else may touch a Server while run() is going; talk to it through the inproc
// PAIR pipe whose endpoint run() connects to.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <zmq.hpp>

#include "engine/batch.hpp"
#include "notify/notify_options.hpp"
#include "protocol/curve_keys.hpp"
#include "protocol/protocol.hpp"
#include "store.hpp"

namespace bandwatch::daemon {

struct ServerOptions {
  std::vector<std::string> rule_paths;
  std::string state_dir;
  std::string ingest_endpoint{protocol::kDefaultIngest};
  std::string publish_endpoint{protocol::kDefaultPublish};
  std::string control_endpoint{protocol::kDefaultControl};
  std::optional<protocol::CurveKeys> curve;          // the server's key pair: CURVE on every socket
  SyncMode sync = SyncMode::full;
  // Bounds on what one client can make the daemon do; each breach is refused naming its option.
  std::size_t max_batch_bytes = 16u << 20;   // whole batch, all frames (--max-batch-bytes)
  std::size_t max_control_bytes = 64u << 10;  // one control request (--max-control-bytes)
  std::size_t max_group = 64;                // batches committed together
  std::chrono::milliseconds heartbeat{1000};
  std::size_t checkpoint_samples = 2'000'000;  // write a checkpoint after this many samples...
  std::chrono::seconds checkpoint_interval{300};  // ...or this long, whichever comes first
  // Checkpoints kept before the one in force, with the samples since the oldest: how far back
  // `bandwatch withdraw` can undo a batch. 0: none kept, no batch can be withdrawn once covered.
  std::size_t keep_checkpoints = 4;
  int publish_hwm = 25'000;  // messages queued per subscriber before PUB drops (each up to about kFeedJoinBytes)
  // A date's batches add up until it closes; with no batch for it this long, it closes itself.
  // 0: only by `close`, a closing batch, or a later date.
  std::chrono::seconds close_after{600};
  Date earliest_date = Date::from_ymd(2000, 1, 1);  // no batch or line dated before it
  int future_days = 3;                       // no batch dated more than this after today (UTC)
  engine::BatchLimits limits = default_limits();  // per batch, line, label and batch report
  notify::NotifyOptions notify;              // mail relay and webhooks (docs/notifications.md)
  // The live board is on: the control and alerts sockets also bind in-process endpoints it
  // reads the daemon through (http/board_hub.hpp), as a client, without keys.
  bool board = false;

  /// bandwatchd's: the engine's per-line bounds, and at most 100,000 lines a batch, which the
  /// serving thread evaluates in well under a second while control requests wait.
  static engine::BatchLimits default_limits() {
    engine::BatchLimits limits;
    limits.max_lines = 100'000;
    return limits;
  }
};

/// Messages on the pipe from the main thread.
inline constexpr std::string_view kPipeStop = "stop";
inline constexpr std::string_view kPipeReload = "reload";  // followed by " <reason>"
inline constexpr std::string_view kPipeCutConnections = "cut";  // a client key was revoked

struct ServerState;
class IngestPipeline;
class ControlHandlers;
class ConnectionLog;

class Server {
 public:
  /// Opens the store, loads the rules, restores the state (checkpoint, then the batches after
  /// it), binds the sockets. nullptr with `error` set, a message for the operator, when it cannot
  /// start (rules with errors, state unreadable, endpoint in use).
  static std::unique_ptr<Server> open(zmq::context_t& context, ServerOptions options,
                                      std::shared_ptr<spdlog::logger> log, std::string& error);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The endpoints as bound (a wildcard port `tcp://127.0.0.1:*` resolved to the real one).
  struct Endpoints {
    std::string ingest, publish, control;
  };
  const Endpoints& endpoints() const;

  /// Serves until "stop" arrives on the pipe or the context is shut down; writes a checkpoint
  /// on the way out. Returns 0, or 1 after an unrecoverable error (logged).
  int run(const std::string& pipe_endpoint);

 private:
  Server(zmq::context_t& context, ServerOptions options, std::shared_ptr<spdlog::logger> log);
  std::optional<std::string> start();
  std::optional<std::string> bind_sockets();
  void cut_connections();
  void heartbeat();

  zmq::context_t& context_;
  std::unique_ptr<ConnectionLog> connections_;  // declared first: it outlives the sockets it follows
  std::unique_ptr<ServerState> state_;
  std::unique_ptr<IngestPipeline> ingest_;    // declared after state_: its writer stops before the store closes
  std::unique_ptr<ControlHandlers> control_;
  std::chrono::steady_clock::time_point last_heartbeat_;
};

}  // namespace bandwatch::daemon
