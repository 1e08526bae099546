// The ingest pipeline: batches received on the ingest ROUTER socket (several waiting form a
// group) -> framing, id and date checked (not before the floor, not far in the future, not on or
// before a closed date) -> the open date closed when the batch is for a later one -> the lines
// parsed and ingested -> its own date closed if it asks -> one transaction (the batches, their
// events with their numbers, the acknowledgements they end) handed to the store writer -> the
// next group taken while it commits and publishes -> `ok` answered. A date's batches add up;
// nothing is decided on a date until it closes (open_date.hpp). Nothing is answered or published before its commit; a
// failed commit rebuilds the engine from the store (recovery.hpp), so memory never holds a batch
// the disk does not. Internal to bandwatchd.
//
// Thread safety: the serving thread's; the store is the writer's while a group is in flight
// (settle() waits for it and hands it back).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "connection_log.hpp"
#include "protocol/protocol.hpp"
#include "server_state.hpp"
#include "store_writer.hpp"

namespace bandwatch::daemon {

/// Ingests a batch's lines (engine::ingest_batch; lines without a date take `as_of`); returns
/// the samples accepted, and puts what was refused or doubted in `reply`. `reply` null: a replay
/// of a batch admitted before, so no limit or date floor of today's options may refuse what was
/// taken then.
std::size_t apply_body(engine::Engine& engine, const ServerOptions& options, std::string_view body, Date as_of,
                       protocol::IngestReply* reply);

class IngestPipeline {
 public:
  /// Starts the store writer (on `state.store`), which publishes each commit's events itself.
  IngestPipeline(ServerState& state, zmq::context_t& context);
  ~IngestPipeline();  // the writer finishes what it has, then stops

  /// The ingest ROUTER socket, for the server to set up and bind.
  zmq::socket_t& socket() { return ingest_; }
  /// Requests read per connection, for the connection log.
  const std::shared_ptr<RequestCounts>& requests() const { return requests_; }
  /// Readable when the writer has finished a commit: call on_written().
  zmq::socket_t& wake() { return wake_; }
  /// Whether the writer has room: while it does not, batches wait in the socket.
  bool has_room() const;
  /// Nothing received and waiting to be evaluated.
  bool idle() const { return waiting_.empty(); }
  /// No group with the writer.
  bool has_nothing_in_flight() const { return in_flight_.empty(); }

  /// Receives what waits on the socket and evaluates it while the writer has room.
  void on_ingest();
  /// Answers the groups the writer has finished.
  void on_written();
  /// Evaluates waiting batches while the writer has room.
  void dispatch();
  /// Waits for the writer, then answers what it wrote: afterwards the store is the serving
  /// thread's and the feed holds every event so far.
  void settle();

  /// Closes the open date in a transaction of its own (control `close`, or --close-after),
  /// waiting for its commit: the answer, or {"error": ...}.
  nlohmann::json close_open_date(const std::string& reason);

 private:
  struct Incoming;
  struct Work;
  struct InFlight;  // a group whose transaction the writer has

  void process_group(std::vector<Incoming> group);
  /// Closes `date` in the engine, handing its events to the open transaction as they are
  /// decided; returns how many.
  std::size_t close_streaming(Date date, std::vector<std::string>* notes);
  void finish_group(InFlight& flight);
  bool validate_strict(std::string_view body, Date as_of, std::vector<protocol::LineError>& rejected);

  ServerState& state_;
  zmq::socket_t ingest_;
  zmq::socket_t wake_;  // the writer says here that a commit finished
  std::shared_ptr<RequestCounts> requests_ = std::make_shared<RequestCounts>();
  std::unique_ptr<StoreWriter> writer_;
  std::deque<Incoming> waiting_;    // received, not yet evaluated
  std::deque<InFlight> in_flight_;  // evaluated, with the writer
};

}  // namespace bandwatch::daemon
