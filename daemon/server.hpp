// The core of bandwatchd: owns the engine, the SQLite store and the three sockets (ingest ROUTER,
// alerts PUB, control ROUTER), and serves them from one thread so that a snapshot is always
// consistent with the sequence number it reports. One helper thread (StoreWriter) writes the
// ingest transactions.
//
// The path of a batch: receive (several waiting batches form a group) -> check framing, id and
// date (not before the floor, not far in the future, not on or before a closed date) -> close
// the open date when the batch is for a later one -> parse and ingest the lines -> close its own
// date if it asks -> hand one transaction (the batches, their events, the sequence numbers and
// ack changes) to the writer -> take the next group while it commits and publishes the events ->
// answer `ok`. A date's batches add up; nothing is decided on a date until it closes. Nothing is
// answered or published before its commit. If a commit fails, the engine is rebuilt from the
// store (checkpoint + replay), so memory never holds a batch the disk does not.
//
// Everything else (control requests, heartbeats, checkpoints, reloads) first lets the writer
// finish and answers the groups it wrote ("settles"), so it sees the store and the feed as one.
//
// Thread safety: construct on one thread, then call run() on exactly one thread (the sockets
// move with it). Nothing else may touch a Server while run() is going; talk to it through the
// inproc PAIR pipe whose endpoint run() connects to.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <zmq.hpp>

#include "engine/batch.hpp"
#include "loader/rule_files.hpp"
#include "protocol/curve_keys.hpp"
#include "protocol/protocol.hpp"
#include "store.hpp"
#include "store_writer.hpp"
#include "engine/engine.hpp"

namespace bandwatch::daemon {

struct ServerOptions {
  std::vector<std::string> rule_paths;
  std::string state_dir;
  std::string ingest_endpoint{protocol::kDefaultIngest};
  std::string publish_endpoint{protocol::kDefaultPublish};
  std::string control_endpoint{protocol::kDefaultControl};
  std::optional<protocol::CurveKeys> curve;          // the server's key pair: CURVE on every socket
  SyncMode sync = SyncMode::full;
  std::size_t max_batch_bytes = 128u << 20;  // whole batch, all frames
  std::size_t max_group = 64;                // batches committed together
  std::chrono::milliseconds heartbeat{1000};
  std::size_t checkpoint_samples = 2'000'000;  // write a checkpoint after this many samples...
  std::chrono::seconds checkpoint_interval{300};  // ...or this long, whichever comes first
  int publish_hwm = 100'000;                 // messages queued per subscriber before PUB drops
  // A date's batches add up until it closes; with no batch for it this long, it closes itself.
  // 0: only by `close`, a closing batch, or a later date.
  std::chrono::seconds close_after{600};
  Date earliest_date = Date::from_ymd(2000, 1, 1);  // no batch or line dated before it
  int future_days = 3;                       // no batch dated more than this after today (UTC)
  engine::BatchLimits limits;                // per line, label and batch report
};

/// Messages on the pipe from the main thread.
inline constexpr std::string_view kPipeStop = "stop";
inline constexpr std::string_view kPipeReload = "reload";  // followed by " <reason>"

/// A silence: events of alerts matching every matcher are logged but not published while their
/// as-of date is on or before `until`.
struct Silence {
  std::int64_t id = 0;
  std::map<std::string, std::string> matchers;  // rule, route, severity, alert, or a label name
  Date until;
  std::string by;
  std::string note;
  std::string created_at;
};
nlohmann::json to_json(const Silence& silence);

class Server {
 public:
  /// Opens the store, loads the rules, restores the state (checkpoint, then the batches after
  /// it), binds the sockets. Throws std::runtime_error with a message for the operator when it
  /// cannot start (rules with errors, state unreadable, endpoint in use).
  Server(zmq::context_t& context, ServerOptions options, std::shared_ptr<spdlog::logger> log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The endpoints as bound (a wildcard port `tcp://127.0.0.1:*` resolved to the real one).
  struct Endpoints {
    std::string ingest, publish, control;
  };
  const Endpoints& endpoints() const { return endpoints_; }

  /// Serves until "stop" arrives on the pipe or the context is shut down; writes a checkpoint
  /// on the way out. Returns 0, or 1 after an unrecoverable error (logged).
  int run(const std::string& pipe_endpoint);

 private:
  struct Incoming;
  struct Work;
  struct InFlight;  // a group whose transaction the writer has

  // setup and recovery
  void load_program();
  void index_program();
  void recover();
  void bind_sockets();
  /// Ingests a batch's lines. `reply` null: a replay of a batch admitted before, so no limit or
  /// date floor of today's options may refuse what was taken then.
  std::size_t apply_body(std::string_view body, Date as_of, protocol::IngestReply* reply);
  /// Why a batch dated `as_of` cannot be taken now (before the floor, too far in the future,
  /// on or before the last closed date), or nothing.
  std::optional<std::string> date_refusal(Date as_of) const;

  // dates
  /// Evaluates the open date: its alerts are decided. Returns the evaluation's events; what it
  /// could not decide is logged and added to `notes` ("rule{labels}: not decided ...").
  std::vector<engine::Event> close_in_engine(Date date, std::vector<std::string>* notes = nullptr);
  /// Closes the open date in a transaction of its own (control `close`, or --close-after).
  nlohmann::json close_open_date(const std::string& reason);

  // ingest
  void on_ingest();
  /// Evaluates waiting batches while the writer has room.
  void dispatch();
  void process_group(std::vector<Incoming> group);
  /// Answers and publishes the groups the writer has finished.
  void on_written();
  void finish_group(InFlight& flight);
  /// Waits for the writer, then answers what it wrote: afterwards the store is the serving
  /// thread's and the feed holds every event so far.
  void settle();
  bool validate_strict(std::string_view body, Date as_of, std::vector<protocol::LineError>& rejected);

  // control
  void on_control();
  nlohmann::json handle_control(const nlohmann::json& request);
  nlohmann::json snapshot(const nlohmann::json& request);
  nlohmann::json acknowledge(const nlohmann::json& request);
  nlohmann::json silence(const nlohmann::json& request);
  nlohmann::json unsilence(const nlohmann::json& request);
  nlohmann::json status();
  nlohmann::json events(const nlohmann::json& request);
  nlohmann::json probe(const nlohmann::json& request);
  nlohmann::json reload(const std::string& reason);
  nlohmann::json close_command(const nlohmann::json& request);

  // events
  /// Gives events their sequence numbers (unless a silence holds them) for the next transaction.
  void record_event(engine::Event event, const protocol::Acknowledgement* ack);
  void record_events(std::vector<engine::Event>&& events);
  void number_event(const engine::Event& event, const protocol::Acknowledgement* ack);
  /// The events recorded since the last call, with the sequence numbers to store.
  EventWrites take_event_writes();
  // Both threads publish (the writer each commit's events, this thread the rest), one at a time.
  void publish(std::vector<Publication>& publications);  // sends (empties) the frames
  void publish(std::string_view topic, std::string_view payload);
  void heartbeat();
  const Silence* silenced(const engine::Event& event) const;
  bool alert_silenced(const engine::Alert& alert, Date as_of, const Silence** which) const;

  void write_checkpoint();
  void maybe_checkpoint();
  void after_store_failure(const std::string& what);

  zmq::context_t& context_;
  ServerOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Store> store_;   // the writer's while it has work; see settle()
  std::unique_ptr<Store> reader_;  // the serving thread's: repeat lookups while the writer writes

  engine::Engine engine_;
  std::unique_ptr<engine::Engine> validator_;  // checks strict batches without touching engine_
  loader::LoadedRules rules_;                     // the program in force
  std::vector<std::string> metric_names_;      // for did-you-mean on unknown metrics
  std::map<std::string, std::vector<std::string>, std::less<>> metric_labels_;
  std::size_t rule_count_ = 0, indicator_count_ = 0;

  zmq::socket_t ingest_, publish_, control_;
  std::mutex publish_mutex_;  // publish_ is shared with the writer's thread
  Endpoints endpoints_;
  std::unique_ptr<StoreWriter> writer_;  // declared after store_: stops before it closes
  zmq::socket_t wake_;             // the writer says here that a commit finished
  std::deque<Incoming> waiting_;   // received, not yet evaluated
  std::deque<InFlight> in_flight_; // evaluated, with the writer

  std::uint64_t sequence_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> route_sequences_;
  std::vector<std::string> dirty_routes_;
  EventWrites recorded_;  // events recorded for the next transaction
  std::map<engine::AlertId, protocol::Acknowledgement> acks_;
  std::map<std::int64_t, Silence> silences_;

  std::optional<Date> open_date_;  // the date batches are adding up for, not yet evaluated
  std::chrono::steady_clock::time_point open_since_;  // its last batch (for --close-after)
  std::size_t open_batches_ = 0;

  std::int64_t last_batch_seq_ = 0;
  std::int64_t checkpoint_through_ = 0;
  std::size_t samples_since_checkpoint_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_;
  std::chrono::steady_clock::time_point last_heartbeat_;
  std::chrono::steady_clock::time_point started_;
  nlohmann::json last_batch_ = nullptr;
  nlohmann::json last_reload_ = nullptr;
  bool failed_ = false;
};

}  // namespace bandwatch::daemon
