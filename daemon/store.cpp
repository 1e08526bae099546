#include "store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <utility>

#include "event_records.hpp"

namespace bandwatch::daemon {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches(
  seq INTEGER PRIMARY KEY,
  batch_id TEXT NOT NULL UNIQUE,
  as_of TEXT NOT NULL,
  strict INTEGER NOT NULL,
  samples INTEGER NOT NULL,
  body BLOB,
  reply TEXT NOT NULL,
  received_at TEXT NOT NULL,
  closes INTEGER NOT NULL DEFAULT 0,
  digest TEXT);
CREATE TABLE IF NOT EXISTS checkpoint(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through_batch INTEGER NOT NULL,
  through_event_block INTEGER NOT NULL,
  state BLOB NOT NULL,
  written_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS earlier_checkpoints(
  through_batch INTEGER PRIMARY KEY,
  through_event_block INTEGER NOT NULL,
  state BLOB NOT NULL,
  written_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS event_blocks(
  id INTEGER PRIMARY KEY,
  first_sequence INTEGER,
  last_sequence INTEGER,
  count INTEGER NOT NULL,
  events TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS event_blocks_by_last ON event_blocks(last_sequence);
CREATE TABLE IF NOT EXISTS route_sequences(route TEXT PRIMARY KEY, sequence INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS acks(alert_id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS silences(
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL,
  removed INTEGER NOT NULL DEFAULT 0);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
)sql";

// A batches row as read_batch reads it, with its samples or (NULL) without: macros, so each
// statement's text stays one literal (statements are prepared from const char*).
#define SELECT_BATCH_ROW(body) "SELECT seq, batch_id, as_of, strict, samples, " body ", reply, received_at, closes, withdrawn "

// Statement slots: each prepared once, reused (the hot path must not re-prepare).
enum Slot : int {
  kMetaGet, kMetaSet, kBatchReply, kBatchDigest, kBatchInsert, kBatchCount, kBatchLast, kBatchBySeq, kBatchesAfter,
  kDropBodies, kCheckpointWrite, kCheckpointRead, kBlockInsert, kBlocksFrom, kBlocksAfter, kEventCount,
  kRouteSet, kRoutesGet, kAckUpsert, kAckDelete, kAcksGet,
  kSilenceInsert, kSilenceUpdate, kSilenceRemove, kSilencesGet, kBegin, kCommit,
  kCheckpointKeep, kCheckpointPrune, kCheckpointsEarlier, kCheckpointsDiscard, kCheckpointDelete, kOldestKept,
  kBatchById, kBatchesDated, kBatchWithdraw, kBatchesWithoutSamples, kSlotCount
};

}  // namespace

class Store::Statement {
 public:
  Statement(Store& store, const char* sql) : store_(store) {
    if (sqlite3_prepare_v3(store.db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      store.fail(std::string("cannot prepare statement: ") + sql);
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool prepared() const { return stmt_ != nullptr; }

  Statement& bind(int index, std::string_view text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
    return *this;
  }
  Statement& bind_blob(int index, std::string_view bytes) {
    check(sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC));
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  /// True while there is a row. Inside a transaction that has failed, nothing more runs.
  bool step() {
    if (!stmt_ || (store_.in_transaction_ && store_.failed())) return false;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    store_.fail("statement failed");
    reset();
    return false;
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    if (!stmt_) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::int64_t integer(int column) { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  bool is_blob(int column) { return sqlite3_column_type(stmt_, column) == SQLITE_BLOB; }
  std::string text(int column) {
    const void* data = sqlite3_column_blob(stmt_, column);
    int size = sqlite3_column_bytes(stmt_, column);
    return data ? std::string(static_cast<const char*>(data), static_cast<std::size_t>(size))
                : std::string();
  }

 private:
  void check(int rc) {
    if (stmt_ && rc != SQLITE_OK) store_.fail("cannot bind a value");
  }
  Store& store_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::unique_ptr<Store> Store::open(const std::string& directory, SyncMode sync, std::string& error) {
  std::unique_ptr<Store> store(new Store());
  std::error_code ignored;
  std::filesystem::create_directories(directory, ignored);
  store->path_ = (std::filesystem::path(directory) / "bandwatch.db").string();
  if (sqlite3_open_v2(store->path_.c_str(), &store->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    error = store->path_ + ": cannot open: " + (store->db_ ? sqlite3_errmsg(store->db_) : "out of memory");
    return nullptr;  // the destructor closes what sqlite3_open_v2 left
  }
  sqlite3_busy_timeout(store->db_, 5000);
  // SQLite's default 4 KB pages: a commit rewrites whole pages, and besides the new batch and
  // event block it touches a few small ones (meta, sequences, index leaves). With 32 KB pages
  // those made the log twice as long and its checksums twice the work.
  bool ok = store->exec("PRAGMA journal_mode=WAL");
  // Checkpoint the log into the database in idle moments (Store::checkpoint_wal), not in the
  // middle of a commit a client is waiting for: extracts come in bursts. Only a burst of over
  // 512 MB (131072 pages of 4 KB) pays for one inside a commit.
  ok = ok && store->exec("PRAGMA wal_autocheckpoint=131072");
  ok = ok && store->exec("PRAGMA journal_size_limit=67108864");  // after a checkpoint, a burst's long log shrinks to 64 MB
  // WAL with synchronous=FULL syncs the log at every commit: an answered batch survives power
  // loss. NORMAL survives a crash of the daemon (kill -9) but not of the machine.
  ok = ok && store->exec(sync == SyncMode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  ok = ok && store->exec("PRAGMA foreign_keys=OFF");
  ok = ok && store->exec(kSchema);
  ok = ok && store->add_missing_columns();
  if (!ok) {
    error = store->error_;
    return nullptr;
  }
  store->statements_.resize(kSlotCount);
  return store;
}

Store::~Store() {
  statements_.clear();
  if (db_) sqlite3_close(db_);
}

void Store::fail(const std::string& what) {
  if (error_.empty()) error_ = path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no database");
}

bool Store::add_missing_columns() {
  // Databases written before a date's batches added up: their batches each closed their date
  // when evaluated, so the column reads as 0 for them and replay closes them implicitly as the
  // next date arrives, which gives the same alerts. Before batches kept their digest: NULL, and
  // a repeat of such an id is taken as the same batch, as it was then.
  // Before batches could be withdrawn: NULL, none was.
  bool has_closes = false, has_digest = false, has_withdrawn = false;
  sqlite3_stmt* info = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA table_info(batches)", -1, &info, nullptr) != SQLITE_OK) {
    fail("cannot read the batches table");
    return false;
  }
  while (sqlite3_step(info) == SQLITE_ROW) {
    std::string_view column(reinterpret_cast<const char*>(sqlite3_column_text(info, 1)));
    has_closes |= column == "closes";
    has_digest |= column == "digest";
    has_withdrawn |= column == "withdrawn";
  }
  sqlite3_finalize(info);
  return (has_closes || exec("ALTER TABLE batches ADD COLUMN closes INTEGER NOT NULL DEFAULT 0")) &&
         (has_digest || exec("ALTER TABLE batches ADD COLUMN digest TEXT")) &&
         (has_withdrawn || exec("ALTER TABLE batches ADD COLUMN withdrawn TEXT"));
}

bool Store::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    if (error_.empty()) error_ = path_ + ": " + (message ? message : "unknown error");
    sqlite3_free(message);
    return false;
  }
  return true;
}

Store::Statement& Store::statement(int which, const char* sql) {
  auto& slot = statements_[static_cast<std::size_t>(which)];
  if (!slot || !slot->prepared()) slot = std::make_unique<Statement>(*this, sql);  // a failed one is tried again
  return *slot;
}

StoreStatus Store::take_status() { return StoreStatus{std::exchange(error_, {})}; }

void Store::checkpoint_wal() noexcept {
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

void Store::begin() {
  error_.clear();
  statement(kBegin, "BEGIN IMMEDIATE").run();
  in_transaction_ = !failed();
}

StoreStatus Store::commit() {
  if (!in_transaction_ && !failed()) fail("commit without a transaction");
  if (!failed()) statement(kCommit, "COMMIT").run();
  if (failed()) rollback();
  in_transaction_ = false;
  return take_status();
}

void Store::rollback() noexcept {
  if (!in_transaction_) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_transaction_ = false;
}

std::optional<std::string> Store::meta(std::string_view key) {
  Statement& s = statement(kMetaGet, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, key);
  std::optional<std::string> value;
  if (s.step()) value = s.text(0);
  s.reset();
  return value;
}

void Store::set_meta(std::string_view key, std::string_view value) {
  statement(kMetaSet, "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, key)
      .bind(2, value)
      .run();
}

std::optional<std::string> Store::batch_reply(std::string_view batch_id) {
  Statement& s = statement(kBatchReply, "SELECT reply FROM batches WHERE batch_id = ?1");
  s.bind(1, batch_id);
  std::optional<std::string> reply;
  if (s.step()) reply = s.text(0);
  s.reset();
  return reply;
}

std::optional<std::string> Store::batch_digest(std::string_view batch_id) {
  Statement& s = statement(kBatchDigest, "SELECT digest FROM batches WHERE batch_id = ?1 AND digest IS NOT NULL");
  s.bind(1, batch_id);
  std::optional<std::string> digest;
  if (s.step()) digest = s.text(0);
  s.reset();
  return digest;
}

std::int64_t Store::insert_batch(const BatchRow& row) {
  Statement& s = statement(kBatchInsert,
                           "INSERT INTO batches(batch_id, as_of, strict, samples, body, reply, received_at, closes, "
                           "digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  s.bind(1, row.batch_id).bind(2, row.as_of).bind(3, row.strict ? 1 : 0).bind(4, row.samples);
  if (row.body) s.bind_blob(5, *row.body);
  else s.bind_null(5);
  s.bind(6, row.reply).bind(7, row.received_at).bind(8, row.closes ? 1 : 0);
  if (row.digest.empty()) s.bind_null(9);
  else s.bind(9, row.digest);
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t Store::batch_count() {
  Statement& s = statement(kBatchCount, "SELECT count(*) FROM batches WHERE batch_id NOT LIKE 'close:%'");
  std::int64_t count = s.step() ? s.integer(0) : 0;
  s.reset();
  return count;
}

namespace {

// A stored block is a BLOB: kRecordsTag (the form's version), then the events' records
// (event_records.hpp), read back as JSON lines. Logs written before the records, TEXT of JSON
// lines, still read.
constexpr std::string_view kRecordsTag("bw2\xff", 4);

/// The block's events as JSON lines; nullopt when its records are damaged.
std::optional<std::string> event_lines(auto& s, int column) {
  std::string stored = s.text(column);
  if (!s.is_blob(column)) return stored;
  if (std::string_view(stored).substr(0, kRecordsTag.size()) != kRecordsTag) return std::nullopt;
  std::string lines;
  if (!append_event_record_lines(std::string_view(stored).substr(kRecordsTag.size()), lines)) return std::nullopt;
  return lines;
}

BatchRow read_batch(auto& s);

/// The one row a bound statement selects, if any; the statement reset for its next use.
std::optional<BatchRow> one_batch(auto& s) {
  std::optional<BatchRow> row;
  if (s.step()) row = read_batch(s);
  s.reset();
  return row;
}

BatchRow read_batch(auto& s) {
  BatchRow row;
  row.seq = s.integer(0);
  row.batch_id = s.text(1);
  row.as_of = s.text(2);
  row.strict = s.integer(3) != 0;
  row.samples = s.integer(4);
  if (!s.is_null(5)) row.body = s.text(5);
  row.reply = s.text(6);
  row.received_at = s.text(7);
  row.closes = s.integer(8) != 0;
  if (!s.is_null(9)) row.withdrawn = s.text(9);
  return row;
}

}  // namespace

std::optional<BatchRow> Store::last_batch() {
  Statement& s = statement(kBatchLast,
                           SELECT_BATCH_ROW("NULL")
                           "FROM batches ORDER BY seq DESC LIMIT 1");
  return one_batch(s);
}

std::optional<BatchRow> Store::batch_by_seq(std::int64_t seq) {
  Statement& s = statement(kBatchBySeq,
                           SELECT_BATCH_ROW("NULL")
                           "FROM batches WHERE seq = ?1");
  s.bind(1, seq);
  return one_batch(s);
}

void Store::for_each_batch_after(std::int64_t after, const std::function<void(const BatchRow&)>& visit) {
  Statement& s = statement(kBatchesAfter,
                           SELECT_BATCH_ROW("body")
                           "FROM batches WHERE seq > ?1 ORDER BY seq");
  s.bind(1, after);
  try {
    while (s.step()) visit(read_batch(s));
  } catch (...) {
    s.reset();
    throw;
  }
  s.reset();
}

void Store::drop_bodies_through(std::int64_t seq) {
  statement(kDropBodies, "UPDATE batches SET body = NULL WHERE seq <= ?1 AND body IS NOT NULL")
      .bind(1, seq)
      .run();
}

void Store::write_checkpoint(const Checkpoint& checkpoint) {
  statement(kCheckpointWrite,
            "INSERT INTO checkpoint(id, through_batch, through_event_block, state, written_at) "
            "VALUES (1, ?1, ?2, ?3, ?4) "
            "ON CONFLICT(id) DO UPDATE SET through_batch = excluded.through_batch, "
            "through_event_block = excluded.through_event_block, state = excluded.state, "
            "written_at = excluded.written_at")
      .bind(1, checkpoint.through_batch)
      .bind(2, checkpoint.through_event_block)
      .bind_blob(3, checkpoint.state)
      .bind(4, checkpoint.written_at)
      .run();
}

std::optional<Checkpoint> Store::read_checkpoint() {
  Statement& s = statement(kCheckpointRead,
                           "SELECT through_batch, through_event_block, state, written_at FROM checkpoint "
                           "WHERE id = 1");
  std::optional<Checkpoint> checkpoint;
  if (s.step()) checkpoint = Checkpoint{s.integer(0), s.integer(1), s.text(2), s.text(3)};
  s.reset();
  return checkpoint;
}

void Store::keep_checkpoint_for_undo(std::size_t keep) {
  statement(kCheckpointKeep,
            "INSERT OR REPLACE INTO earlier_checkpoints(through_batch, through_event_block, state, written_at) "
            "SELECT through_batch, through_event_block, state, written_at FROM checkpoint WHERE id = 1")
      .run();
  statement(kCheckpointPrune,
            "DELETE FROM earlier_checkpoints WHERE through_batch NOT IN "
            "(SELECT through_batch FROM earlier_checkpoints ORDER BY through_batch DESC LIMIT ?1)")
      .bind(1, static_cast<std::int64_t>(keep))
      .run();
}

std::optional<std::int64_t> Store::oldest_kept_checkpoint() {
  Statement& s = statement(kOldestKept, "SELECT min(through_batch) FROM earlier_checkpoints");
  std::optional<std::int64_t> oldest;
  if (s.step() && !s.is_null(0)) oldest = s.integer(0);
  s.reset();
  return oldest;
}

std::vector<Checkpoint> Store::earlier_checkpoints() {
  Statement& s = statement(kCheckpointsEarlier,
                           "SELECT through_batch, through_event_block, state, written_at FROM earlier_checkpoints "
                           "ORDER BY through_batch");
  std::vector<Checkpoint> checkpoints;
  while (s.step()) checkpoints.push_back(Checkpoint{s.integer(0), s.integer(1), s.text(2), s.text(3)});
  s.reset();
  return checkpoints;
}

void Store::discard_checkpoints_from(std::int64_t seq) {
  statement(kCheckpointsDiscard, "DELETE FROM earlier_checkpoints WHERE through_batch >= ?1").bind(1, seq).run();
  statement(kCheckpointDelete, "DELETE FROM checkpoint WHERE through_batch >= ?1").bind(1, seq).run();
}

std::optional<BatchRow> Store::batch_by_id(std::string_view batch_id) {
  Statement& s = statement(kBatchById,
                           SELECT_BATCH_ROW("NULL")
                           "FROM batches WHERE batch_id = ?1");
  s.bind(1, batch_id);
  return one_batch(s);
}

std::vector<BatchRow> Store::batches_dated(std::string_view as_of) {
  Statement& s = statement(kBatchesDated,
                           SELECT_BATCH_ROW("NULL")
                           "FROM batches WHERE as_of = ?1 ORDER BY seq");
  s.bind(1, as_of);
  std::vector<BatchRow> rows;
  while (s.step()) rows.push_back(read_batch(s));
  s.reset();
  return rows;
}

void Store::mark_withdrawn(std::int64_t seq, std::string_view audit) {
  statement(kBatchWithdraw, "UPDATE batches SET withdrawn = ?2 WHERE seq = ?1").bind(1, seq).bind(2, audit).run();
}

std::int64_t Store::batches_without_samples_after(std::int64_t seq) {
  Statement& s = statement(kBatchesWithoutSamples,
                           "SELECT count(*) FROM batches WHERE seq > ?1 AND withdrawn IS NULL AND body IS NULL "
                           "AND samples > 0");
  s.bind(1, seq);
  std::int64_t count = s.step() ? s.integer(0) : 0;
  s.reset();
  return count;
}

std::int64_t Store::append_event_block(std::optional<std::uint64_t> first, std::optional<std::uint64_t> last,
                                       std::size_t count, std::string_view records) {
  Statement& s = statement(kBlockInsert,
                           "INSERT INTO event_blocks(first_sequence, last_sequence, count, events) "
                           "VALUES (?1, ?2, ?3, ?4)");
  if (first) s.bind(1, static_cast<std::int64_t>(*first));
  else s.bind_null(1);
  if (last) s.bind(2, static_cast<std::int64_t>(*last));
  else s.bind_null(2);
  s.bind(3, static_cast<std::int64_t>(count));
  block_.assign(kRecordsTag);
  block_.append(records);
  s.bind_blob(4, block_);
  s.run();
  return sqlite3_last_insert_rowid(db_);
}

std::optional<EventBlock> Store::event_block_row(Statement& s) {
  EventBlock block;
  block.id = s.integer(0);
  if (!s.is_null(1)) block.first_sequence = static_cast<std::uint64_t>(s.integer(1));
  if (!s.is_null(2)) block.last_sequence = static_cast<std::uint64_t>(s.integer(2));
  std::optional<std::string> lines = event_lines(s, 3);
  if (!lines) {
    if (error_.empty()) error_ = path_ + ": event block " + std::to_string(block.id) + " is damaged";
    return std::nullopt;
  }
  block.events = std::move(*lines);
  return block;
}

std::vector<EventBlock> Store::event_blocks_from(std::uint64_t from, std::size_t limit_events) {
  Statement& s = statement(kBlocksFrom,
                           "SELECT id, first_sequence, last_sequence, events FROM event_blocks "
                           "WHERE last_sequence >= ?1 ORDER BY id");
  s.bind(1, static_cast<std::int64_t>(from));
  std::vector<EventBlock> blocks;
  std::size_t events = 0;
  while (events < limit_events && s.step()) {
    std::optional<EventBlock> read = event_block_row(s);
    if (!read) break;
    EventBlock& block = *read;
    if (block.first_sequence && block.last_sequence)
      events += static_cast<std::size_t>(*block.last_sequence - std::max(*block.first_sequence, from) + 1);
    blocks.push_back(std::move(block));
  }
  s.reset();
  return blocks;
}

void Store::for_each_event_block_after(std::int64_t after, const std::function<void(const EventBlock&)>& visit) {
  Statement& s = statement(kBlocksAfter,
                           "SELECT id, first_sequence, last_sequence, events FROM event_blocks "
                           "WHERE id > ?1 ORDER BY id");
  s.bind(1, after);
  try {
    while (s.step()) {
      std::optional<EventBlock> block = event_block_row(s);
      if (!block) break;
      visit(*block);
    }
  } catch (...) {
    s.reset();
    throw;
  }
  s.reset();
}

std::int64_t Store::event_count() {
  Statement& s = statement(kEventCount, "SELECT coalesce(sum(count), 0) FROM event_blocks");
  std::int64_t count = s.step() ? s.integer(0) : 0;
  s.reset();
  return count;
}

std::int64_t Store::last_event_block() {
  std::int64_t id = 0;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT coalesce(max(id), 0) FROM event_blocks", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    id = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return id;
}

void Store::set_route_sequence(std::string_view route, std::uint64_t sequence) {
  statement(kRouteSet, "INSERT INTO route_sequences(route, sequence) VALUES (?1, ?2) "
                       "ON CONFLICT(route) DO UPDATE SET sequence = excluded.sequence")
      .bind(1, route)
      .bind(2, static_cast<std::int64_t>(sequence))
      .run();
}

std::map<std::string, std::uint64_t> Store::route_sequences() {
  Statement& s = statement(kRoutesGet, "SELECT route, sequence FROM route_sequences");
  std::map<std::string, std::uint64_t> out;
  while (s.step()) out[s.text(0)] = static_cast<std::uint64_t>(s.integer(1));
  s.reset();
  return out;
}

void Store::upsert_ack(std::uint64_t alert_id, std::string_view json) {
  statement(kAckUpsert, "INSERT INTO acks(alert_id, json) VALUES (?1, ?2) "
                        "ON CONFLICT(alert_id) DO UPDATE SET json = excluded.json")
      .bind(1, static_cast<std::int64_t>(alert_id))
      .bind(2, json)
      .run();
}

void Store::delete_ack(std::uint64_t alert_id) {
  statement(kAckDelete, "DELETE FROM acks WHERE alert_id = ?1")
      .bind(1, static_cast<std::int64_t>(alert_id))
      .run();
}

std::map<std::uint64_t, std::string> Store::acks() {
  Statement& s = statement(kAcksGet, "SELECT alert_id, json FROM acks ORDER BY alert_id");
  std::map<std::uint64_t, std::string> out;
  while (s.step()) out[static_cast<std::uint64_t>(s.integer(0))] = s.text(1);
  s.reset();
  return out;
}

std::int64_t Store::insert_silence(std::string_view json) {
  statement(kSilenceInsert, "INSERT INTO silences(json) VALUES (?1)").bind(1, json).run();
  return sqlite3_last_insert_rowid(db_);
}

void Store::update_silence(std::int64_t id, std::string_view json) {
  statement(kSilenceUpdate, "UPDATE silences SET json = ?2 WHERE id = ?1").bind(1, id).bind(2, json).run();
}

bool Store::remove_silence(std::int64_t id) {
  statement(kSilenceRemove, "UPDATE silences SET removed = 1 WHERE id = ?1 AND removed = 0")
      .bind(1, id)
      .run();
  return !failed() && sqlite3_changes(db_) > 0;
}

std::map<std::int64_t, std::string> Store::silences() {
  Statement& s = statement(kSilencesGet, "SELECT id, json FROM silences WHERE removed = 0 ORDER BY id");
  std::map<std::int64_t, std::string> out;
  while (s.step()) out[s.integer(0)] = s.text(1);
  s.reset();
  return out;
}

}  // namespace bandwatch::daemon
