// Writes the ingest transactions on a thread of its own, so the serving thread evaluates the next
// group of batches while the last group is being written: the events' records (for the log),
// their text (for the feed) and the SQLite commit are about half the work of a batch.
// Transactions are written, and finish, in the order they were submitted.
//
// A date's close decides tens of thousands of events at once. Its transaction is opened before
// the evaluation and its events handed over in parts as they are decided (open, add_events,
// seal): the writer formats the first parts while the serving thread decides the rest, and
// nothing of it is stored until the transaction is sealed and committed whole.
//
// Right after a commit the writer reports it finished (the serving thread answers its batches),
// then publishes its events (through the `publish` callback, when given): the feed does not wait
// for the serving thread, and that thread, the busier of the two, does not send them. The
// serving thread answers the batches once the writer wakes it (an inproc PAIR socket). Nothing is
// answered or published before it is durable.
//
// After a transaction fails, every transaction queued behind it is refused without being tried
// (it was evaluated on top of the failed one); the serving thread rebuilds its engine from the
// store once the writer is idle, then calls clear_failure().
//
// Thread safety: submit, open, add_events, seal, abandon, take_finished, wait_idle and
// clear_failure are for the serving thread; the Store belongs to the writer while anything is in
// flight, and to the serving thread once wait_idle() has returned (with nothing submitted since).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
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

/// One feed message, "<topic> <events>" (protocol.hpp, "Alerts").
struct Publication {
  zmq::message_t message;
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

/// The log's records and the feed's messages for one transaction's events, built part by part
/// (a date's close hands its events over in parts), stored and published once it is whole.
class EventFormatter {
 public:
  EventFormatter();
  ~EventFormatter();
  EventFormatter(const EventFormatter&) = delete;
  EventFormatter& operator=(const EventFormatter&) = delete;

  /// Formats a part's events, and keeps its numbers (the sequences after it, the acknowledgements
  /// it ended).
  void add(const EventWrites& part);
  /// Writes the records formatted so far into the open transaction, as a block of the event log.
  void store_records(Store& store);
  /// Writes the rest of the records and the numbers into the open transaction.
  void store(Store& store);
  /// The feed's messages for the events, to send once committed (call once, after store).
  std::vector<Publication> publications();

  struct FeedText;  // the feed messages' text, which their frames point into (store_writer.cpp)

 private:
  void keep_numbers(const EventWrites& part);

  /// Where the event's copy for `route` goes: the message the last copy went to when it has the
  /// same topic and room (consecutive events of one topic travel together), else a new one.
  void start_copy(std::size_t feed, std::string_view route, std::string_view severity, std::string_view rule);

  struct Span {
    std::size_t feed;        // which part's text
    std::size_t start, end;  // offsets of the message in it
    std::size_t topic_end;   // where its topic ends (the space after it)
  };
  std::string& records_;  // one buffer per thread, reused (see the constructor)
  std::string members_;
  // A text per part, sized for it: one text for a whole close would be copied each time it grew.
  std::vector<std::unique_ptr<FeedText>> feeds_;
  std::vector<Span> spans_;
  std::optional<std::uint64_t> first_, last_;
  std::size_t count_ = 0;
  std::optional<std::uint64_t> sequence_;
  std::map<std::string, std::uint64_t> route_sequences_;
  std::vector<std::uint64_t> deleted_acks_;
};

/// Writes `events` into the open transaction (the log keeps each event as a record; see
/// event_records.hpp) and appends the feed's messages for them to `publications`.
void write_events(Store& store, const EventWrites& events, std::vector<Publication>& publications);

/// One ingest transaction: a group's batches with their events.
struct IngestCommit {
  std::vector<BatchRow> batches;
  EventWrites events;  // for submit(); an opened transaction's come through add_events()
  // Set by the writer before it reports the commit finished.
  std::vector<std::vector<engine::Event>> spent;  // the events, written: for the engine to recycle
  std::vector<Publication> publications;  // without a `publish` callback: to publish once committed
  std::int64_t last_batch_seq = 0;
  std::optional<std::string> error;  // rolled back, or not tried after an earlier failure

 private:
  friend class StoreWriter;
  // Under the writer's lock: the parts handed over and not yet taken by the writer.
  std::deque<EventWrites> parts_;
  bool sealed_ = true;
  bool abandoned_ = false;
};

class StoreWriter {
 public:
  /// `publish` is called on the writer's thread with each committed transaction's feed messages
  /// (it must send them: the socket it uses is shared with the serving thread, under a lock; and
  /// report its own failures). Without it they stay in IngestCommit::publications.
  StoreWriter(Store& store, zmq::context_t& context, std::string wake_endpoint,
              std::function<void(std::vector<Publication>&)> publish = {});
  ~StoreWriter();  // writes what was submitted, then stops
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Hands over a transaction whole: its batches and its events.
  void submit(std::shared_ptr<IngestCommit> commit);
  /// Hands over a transaction whose events follow in parts (add_events) and whose batches come
  /// last (seal). The writer formats each part as it comes. One at a time; wait_idle() would wait
  /// for it forever, so seal or abandon it first.
  void open(std::shared_ptr<IngestCommit> commit);
  void add_events(EventWrites part);
  void seal(std::vector<BatchRow> batches, EventWrites last);
  /// The open transaction is not written and not reported finished (the serving thread failed
  /// while deciding it, and rebuilds its engine from the store).
  void abandon();
  /// The commits finished since the last call, in submission order.
  std::vector<std::shared_ptr<IngestCommit>> take_finished();
  /// Blocks until every submitted commit has finished and its events are published.
  void wait_idle();
  void clear_failure();

 private:
  void run(std::string wake_endpoint);
  /// Formats the parts of `commit` as they come, until it is sealed, storing the records of
  /// each part but the last at once: the transaction is begun (unless refused or failed).
  /// False if it was abandoned (rolled back).
  bool format_parts(IngestCommit& commit, EventFormatter& formatter, bool refuse);

  Store& store_;
  zmq::context_t& context_;
  std::function<void(std::vector<Publication>&)> publish_;
  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<std::shared_ptr<IngestCommit>> queue_;
  std::shared_ptr<IngestCommit> open_;  // the transaction still being handed over
  std::vector<std::shared_ptr<IngestCommit>> finished_;
  bool writing_ = false;
  bool failed_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bandwatch::daemon
