// The daemon's durable state: one SQLite database (WAL) in the state directory.
//
//   batches          every applied batch: id (for repeats), as-of date, the samples as sent
//                    (until a checkpoint covers them), the answer given, and whether it closed
//                    its date (a close on its own is a row without samples)
//   checkpoint       the engine state (engine::encode_state) after a given batch; restart loads it
//                    and replays the batches after it, so every batch that was answered `ok` (and
//                    not withdrawn since) is in the engine exactly once
//   earlier_checkpoints  the few checkpoints before it (--keep-checkpoints), with the samples of
//                    the batches after the oldest: what `bandwatch withdraw` rebuilds from
//   event_blocks     the event log, one row per transaction: its events as records (read back
//                    as JSON lines), each with its sequence number (null when a silence kept it
//                    from being published), and the range of sequence numbers it holds. One row per transaction, not per event:
//                    a batch can yield thousands of events, and a row each would cost more than
//                    the evaluation.
//   route_sequences  the last sequence number of each route's feed
//   acks, silences, meta (the global sequence)
// Open alerts are not a table: they are in the engine state (checkpoint + replay).
//
// Writes happen inside begin()/commit(): the daemon commits a batch, its events and the new
// sequence numbers in one transaction, and answers or publishes only after commit() returns.
//
// Errors: no method throws. open() returns the store or says why not. A failed operation
// records SQLite's message (the first since begin() or the last take_status()): inside a
// transaction the writes after it are skipped and commit() rolls back and returns it, so a
// transaction is checked once, where it ends; a read outside a transaction returns what it has
// (nothing) and take_status() tells "none" from "failed".
//
// Thread safety: a Store is one SQLite connection: one thread at a time, handed over with a lock
// between uses (the serving thread and StoreWriter do). bandwatchd opens a second Store to look
// up repeated batch ids while the writer commits.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace bandwatch::daemon {

/// What a transaction or a run of reads came to: ok, or the first failure (SQLite's message,
/// naming the database).
struct [[nodiscard]] StoreStatus {
  std::string error;  // empty: ok
  bool ok() const { return error.empty(); }
};

enum class SyncMode { full, normal };

struct BatchRow {
  std::int64_t seq = 0;       // application order
  std::string batch_id;
  std::string as_of;          // ISO date
  bool strict = false;
  std::int64_t samples = 0;   // accepted samples
  std::optional<std::string> body;  // NULL once a checkpoint covers the batch
  std::string reply;          // the answer given (IngestReply JSON)
  std::string received_at;
  bool closes = false;        // its date was closed (evaluated) once it was applied; a row with
                              // no samples and this set is a close on its own (`close:DATE`)
  std::string digest;         // of its header and lines (protocol::content_batch_id); empty: none
  bool digest_pending = false;  // StoreWriter takes `digest` from the row before storing it
  std::optional<std::string> withdrawn;  // JSON {by, reason, at} once an operator withdrew it
};

struct Checkpoint {
  std::int64_t through_batch = 0;        // the state includes every batch with seq <= this
  std::int64_t through_event_block = 0;  // and yielded the events up to this block
  std::string state;                     // engine::encode_state
  std::string written_at;
};

struct EventBlock {
  std::int64_t id = 0;
  std::optional<std::uint64_t> first_sequence, last_sequence;  // of its published events
  std::string events;  // JSON objects, one per line, in sequence order
};

class Store {
 public:
  /// Opens (creating if needed) `directory`/bandwatch.db; nullptr with `error` set when it cannot.
  static std::unique_ptr<Store> open(const std::string& directory, SyncMode sync, std::string& error);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  /// Copies the write-ahead log into the database as far as readers allow (PASSIVE): for idle
  /// moments, so the log does not grow and commits rarely pay for it.
  void checkpoint_wal() noexcept;

  /// Starts a transaction (a failure to start is returned by commit()).
  void begin();
  /// Commits; after any failure since begin(), rolls back instead and returns the first one.
  StoreStatus commit();
  /// For error paths: drops the open transaction, if any.
  void rollback() noexcept;
  bool in_transaction() const { return in_transaction_; }
  /// The first failure since begin() or the last call, and clears it: ok when every operation
  /// since succeeded. For reads outside a transaction.
  StoreStatus take_status();

  std::optional<std::string> meta(std::string_view key);
  void set_meta(std::string_view key, std::string_view value);

  // ---- batches ----
  /// The answer stored for a batch id, if that batch was applied.
  std::optional<std::string> batch_reply(std::string_view batch_id);
  /// The digest of what was applied under a batch id, if known (rows from before digests: none).
  std::optional<std::string> batch_digest(std::string_view batch_id);
  /// Appends a batch; returns its seq.
  std::int64_t insert_batch(const BatchRow& row);
  std::int64_t batch_count();
  std::optional<BatchRow> last_batch();
  /// The batch applied `seq`-th (without its samples), if any.
  std::optional<BatchRow> batch_by_seq(std::int64_t seq);
  /// Calls `visit` for every batch with seq > `after`, in order (bodies included).
  void for_each_batch_after(std::int64_t after, const std::function<void(const BatchRow&)>& visit);
  /// Drops the sample text of batches a checkpoint covers (their ids stay, for repeats).
  void drop_bodies_through(std::int64_t seq);

  /// The batch stored under an id (without its samples), if any.
  std::optional<BatchRow> batch_by_id(std::string_view batch_id);
  /// The batches dated `as_of` (ISO), in order, without their samples.
  std::vector<BatchRow> batches_dated(std::string_view as_of);
  /// Records that a batch was withdrawn (`audit`: JSON {by, reason, at}); replay skips it since.
  void mark_withdrawn(std::int64_t seq, std::string_view audit);
  /// How many batches after `seq`, not withdrawn, have lost their samples to a checkpoint: a
  /// replay from `seq` cannot rebuild them.
  std::int64_t batches_without_samples_after(std::int64_t seq);

  // ---- checkpoint ----
  void write_checkpoint(const Checkpoint& checkpoint);
  std::optional<Checkpoint> read_checkpoint();
  /// Keeps the checkpoint in force among the earlier ones (before a new one replaces it), and
  /// only the newest `keep` of those.
  void keep_checkpoint_for_undo(std::size_t keep);
  /// The batch the oldest earlier checkpoint covers through: samples after it are kept.
  std::optional<std::int64_t> oldest_kept_checkpoint();
  /// The earlier checkpoints, oldest first.
  std::vector<Checkpoint> earlier_checkpoints();
  /// Drops every checkpoint (in force or earlier) that covers batch `seq` (an undo of it).
  void discard_checkpoints_from(std::int64_t seq);

  // ---- events ----
  /// Appends the events of one transaction, as records (event_records.hpp); returns the block's
  /// id. Blocks read back as JSON lines, one per event.
  std::int64_t append_event_block(std::optional<std::uint64_t> first, std::optional<std::uint64_t> last,
                                  std::size_t count, std::string_view records);
  /// Blocks holding published events with sequence >= `from`, in order, until they hold about
  /// `limit_events` of them (the caller picks the events out of the lines).
  std::vector<EventBlock> event_blocks_from(std::uint64_t from, std::size_t limit_events);
  /// Every block with id > `after`, in order.
  void for_each_event_block_after(std::int64_t after, const std::function<void(const EventBlock&)>& visit);
  std::int64_t event_count();  // logged events, published or not
  std::int64_t last_event_block();

  void set_route_sequence(std::string_view route, std::uint64_t sequence);
  std::map<std::string, std::uint64_t> route_sequences();

  // ---- acknowledgements, silences (JSON per row) ----
  void upsert_ack(std::uint64_t alert_id, std::string_view json);
  void delete_ack(std::uint64_t alert_id);
  std::map<std::uint64_t, std::string> acks();

  std::int64_t insert_silence(std::string_view json);
  void update_silence(std::int64_t id, std::string_view json);
  /// False when there is no active silence with that id (or the update failed).
  bool remove_silence(std::int64_t id);
  std::map<std::int64_t, std::string> silences();  // active ones

 private:
  Store() = default;
  class Statement;
  Statement& statement(int which, const char* sql);
  bool exec(const char* sql);
  bool add_missing_columns();
  /// The event block in the current row of a `id, first_sequence, last_sequence, events` select;
  /// nullopt (with the failure recorded) when its records are damaged.
  std::optional<EventBlock> event_block_row(Statement& s);
  /// Records a failure (the first one counts) with SQLite's message.
  void fail(const std::string& what);
  bool failed() const { return !error_.empty(); }

  std::string path_;
  sqlite3* db_ = nullptr;
  bool in_transaction_ = false;
  std::string error_;  // the first failure since begin() or take_status()
  std::vector<std::unique_ptr<Statement>> statements_;
  std::string block_;  // append_event_block's buffer, kept between commits
};

}  // namespace bandwatch::daemon
