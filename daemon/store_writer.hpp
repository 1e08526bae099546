// Writes the ingest transactions on a thread of its own, so the serving thread evaluates the next
// group of batches while the last group is being written: the events' records (for the log),
// their text (for the feed) and the SQLite commit are about half the work of a batch. Transactions are written, and
// finish, in the order they were submitted.
//
// Right after a commit the writer publishes its events (through the `publish` callback, when
// given): the feed does not wait for the serving thread to finish the group it is evaluating,
// and that thread, the busier of the two, does not spend its time sending them. The serving
// thread answers the batches once the writer wakes it (an inproc PAIR socket). Nothing is
// answered or published before it is durable.
//
// After a transaction fails, every transaction queued behind it is refused without being tried
// (it was evaluated on top of the failed one); the serving thread rebuilds its engine from the
// store once the writer is idle, then calls clear_failure().
//
// Thread safety: submit, take_finished, wait_idle and clear_failure are for the serving thread;
// the Store belongs to the writer while anything is in flight, and to the serving thread once
// wait_idle() has returned (with nothing submitted since).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <zmq.hpp>

#include "event_records.hpp"
#include "protocol/protocol.hpp"
#include "store.hpp"
#include "engine/engine.hpp"

namespace bandwatch::daemon {

/// One message of the alert feed: [topic, json], as the frames to send.
struct Publication {
  zmq::message_t topic;
  zmq::message_t payload;
};

/// The events of one transaction and the sequence numbers after it.
struct EventWrites {
  // Side by side: the engine's events as it made them (a batch's list moves over whole) and
  // their numbers.
  std::vector<engine::Event> events;
  std::vector<EventNumbers> numbers;
  std::uint64_t sequence = 0;  // the global sequence number after these events
  std::vector<std::pair<std::string, std::uint64_t>> route_sequences;  // routes that moved
  std::vector<std::uint64_t> deleted_acks;  // acknowledgements the events ended
};

/// Writes `events` into the open transaction (the log keeps each event as a record; see
/// event_records.hpp) and appends the feed's messages for them to `publications`.
void write_events(Store& store, const EventWrites& events, std::vector<Publication>& publications);

/// One ingest transaction: a group's batches with their events.
struct IngestCommit {
  std::vector<BatchRow> batches;
  EventWrites events;
  // Set by the writer before it reports the commit finished.
  std::vector<Publication> publications;  // to publish once committed (sent, when the writer publishes)
  std::int64_t last_batch_seq = 0;
  std::optional<std::string> error;  // rolled back, or not tried after an earlier failure
  std::optional<std::string> publish_error;  // committed, but sending its events failed
};

class StoreWriter {
 public:
  /// `publish` is called on the writer's thread with each committed transaction's feed messages
  /// (it must send them: the socket it uses is shared with the serving thread, under a lock).
  /// Without it they stay in IngestCommit::publications.
  StoreWriter(Store& store, zmq::context_t& context, std::string wake_endpoint,
              std::function<void(std::vector<Publication>&)> publish = {});
  ~StoreWriter();  // writes what was submitted, then stops
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void submit(std::shared_ptr<IngestCommit> commit);
  /// The commits finished since the last call, in submission order.
  std::vector<std::shared_ptr<IngestCommit>> take_finished();
  /// Blocks until every submitted commit has finished.
  void wait_idle();
  void clear_failure();

 private:
  void run(std::string wake_endpoint);

  Store& store_;
  zmq::context_t& context_;
  std::function<void(std::vector<Publication>&)> publish_;
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<std::shared_ptr<IngestCommit>> queue_;
  std::vector<std::shared_ptr<IngestCommit>> finished_;
  bool writing_ = false;
  bool failed_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bandwatch::daemon
