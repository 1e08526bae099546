#include "outbox.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace bandwatch::daemon::notify {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS notify_outbox(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  route TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  summary TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  sent_at TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS notify_outbox_due ON notify_outbox(state, next_attempt_ms);
CREATE TABLE IF NOT EXISTS notify_digest_items(id INTEGER PRIMARY KEY, route TEXT NOT NULL, item TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS notify_digest_items_route ON notify_digest_items(route, id);
CREATE TABLE IF NOT EXISTS notify_routes(route TEXT PRIMARY KEY, period_start TEXT, digests INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS notify_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

constexpr const char* kRowColumns =
    "id, route, channel, kind, summary, payload, state, attempts, next_attempt_ms, last_error, created_at, sent_at";

}  // namespace

/// One prepared statement for one use; failures are recorded on the Outbox.
class Outbox::Statement {
 public:
  Statement(Outbox& outbox, const char* sql) : outbox_(outbox) {
    if (outbox.in_transaction_ && !outbox.error_.empty()) return;  // the transaction has failed: skip
    if (sqlite3_prepare_v2(outbox.db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      outbox.fail(std::string("cannot prepare: ") + sql);
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int index, std::string_view text) {
    if (stmt_) sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    if (stmt_) sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  bool step() {
    if (!stmt_) return false;
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) outbox_.fail("statement failed");
    return false;
  }
  void run() {
    while (step()) {
    }
  }
  std::int64_t integer(int column) { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string text(int column) {
    const unsigned char* data = sqlite3_column_text(stmt_, column);
    return data ? std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                : std::string();
  }
  /// Changed rows of the last write.
  int changes() const { return sqlite3_changes(outbox_.db_); }

 private:
  Outbox& outbox_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::unique_ptr<Outbox> Outbox::open(const std::string& directory, SyncMode sync, std::string& error) {
  std::unique_ptr<Outbox> outbox(new Outbox());
  outbox->path_ = (std::filesystem::path(directory) / "bandwatch.db").string();
  if (sqlite3_open_v2(outbox->path_.c_str(), &outbox->db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    error = outbox->path_ + ": cannot open: " + (outbox->db_ ? sqlite3_errmsg(outbox->db_) : "out of memory");
    return nullptr;
  }
  sqlite3_busy_timeout(outbox->db_, 5000);
  bool ok = outbox->exec("PRAGMA journal_mode=WAL") &&
            outbox->exec(sync == SyncMode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") &&
            outbox->exec(kSchema);
  if (!ok) {
    error = outbox->error_;
    return nullptr;
  }
  return outbox;
}

Outbox::~Outbox() {
  if (db_) sqlite3_close(db_);
}

bool Outbox::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return true;
  if (error_.empty()) error_ = path_ + ": " + (message ? message : "failed");
  sqlite3_free(message);
  return false;
}

void Outbox::fail(const std::string& what) {
  if (error_.empty()) error_ = path_ + ": " + what + ": " + sqlite3_errmsg(db_);
}

void Outbox::begin() {
  error_.clear();
  (void)exec("BEGIN IMMEDIATE");  // a failure is kept for commit() to report
  in_transaction_ = true;
}

StoreStatus Outbox::commit() {
  bool failed = !error_.empty();
  if (!failed && !exec("COMMIT")) failed = true;
  if (failed) rollback();
  in_transaction_ = false;
  return take_status();
}

void Outbox::rollback() noexcept {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  in_transaction_ = false;
}

StoreStatus Outbox::take_status() {
  StoreStatus status{std::move(error_)};
  error_.clear();
  return status;
}

std::optional<std::int64_t> Outbox::cursor() {
  Statement read(*this, "SELECT value FROM notify_meta WHERE key = 'cursor'");
  if (!read.step()) return std::nullopt;
  return std::stoll(read.text(0));
}

void Outbox::set_cursor(std::optional<std::int64_t> block) {
  if (!block) {
    Statement(*this, "DELETE FROM notify_meta WHERE key = 'cursor'").run();
    return;
  }
  Statement(*this, "INSERT INTO notify_meta(key, value) VALUES('cursor', ?1) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(1, std::to_string(*block))
      .run();
}

bool Outbox::add_message(const NewMessage& message, std::string_view created_at) {
  Statement insert(*this,
                   "INSERT OR IGNORE INTO notify_outbox(key, route, channel, kind, summary, payload, created_at) "
                   "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  insert.bind(1, message.key).bind(2, message.route).bind(3, message.channel).bind(4, message.kind);
  insert.bind(5, message.summary).bind(6, message.payload).bind(7, created_at);
  insert.run();
  return insert.changes() > 0;
}

void Outbox::add_digest_item(std::string_view route, std::string_view item) {
  Statement(*this, "INSERT INTO notify_digest_items(route, item) VALUES(?1, ?2)").bind(1, route).bind(2, item).run();
}

std::vector<DigestItem> Outbox::digest_items(std::string_view route) {
  std::vector<DigestItem> items;
  Statement read(*this, "SELECT id, item FROM notify_digest_items WHERE route = ?1 ORDER BY id");
  read.bind(1, route);
  while (read.step()) items.push_back({read.integer(0), read.text(1)});
  return items;
}

void Outbox::delete_digest_items(std::string_view route, std::int64_t through_id) {
  Statement(*this, "DELETE FROM notify_digest_items WHERE route = ?1 AND id <= ?2").bind(1, route).bind(2, through_id).run();
}

std::optional<std::string> Outbox::period_start(std::string_view route) {
  Statement read(*this, "SELECT period_start FROM notify_routes WHERE route = ?1");
  read.bind(1, route);
  if (!read.step() || read.is_null(0)) return std::nullopt;
  return read.text(0);
}

void Outbox::set_period_start(std::string_view route, std::string_view date) {
  Statement(*this, "INSERT INTO notify_routes(route, period_start) VALUES(?1, ?2) "
                   "ON CONFLICT(route) DO UPDATE SET period_start = excluded.period_start")
      .bind(1, route)
      .bind(2, date)
      .run();
}

std::int64_t Outbox::next_digest_number(std::string_view route) {
  Statement(*this, "INSERT INTO notify_routes(route, digests) VALUES(?1, 1) "
                   "ON CONFLICT(route) DO UPDATE SET digests = digests + 1")
      .bind(1, route)
      .run();
  Statement read(*this, "SELECT digests FROM notify_routes WHERE route = ?1");
  read.bind(1, route);
  return read.step() ? read.integer(0) : 0;
}

std::optional<OutboxRow> Outbox::next_due(std::int64_t now_ms) {
  std::string sql = std::string("SELECT ") + kRowColumns +
                    " FROM notify_outbox WHERE state = 'pending' AND next_attempt_ms <= ?1 "
                    "ORDER BY next_attempt_ms, id LIMIT 1";
  Statement read(*this, sql.c_str());
  read.bind(1, now_ms);
  if (!read.step()) return std::nullopt;
  OutboxRow row;
  row.id = read.integer(0);
  row.route = read.text(1);
  row.channel = read.text(2);
  row.kind = read.text(3);
  row.summary = read.text(4);
  row.payload = read.text(5);
  row.state = read.text(6);
  row.attempts = read.integer(7);
  row.next_attempt_ms = read.integer(8);
  row.last_error = read.text(9);
  row.created_at = read.text(10);
  row.sent_at = read.text(11);
  return row;
}

std::optional<std::int64_t> Outbox::next_attempt_ms() {
  Statement read(*this, "SELECT min(next_attempt_ms) FROM notify_outbox WHERE state = 'pending'");
  if (!read.step() || read.is_null(0)) return std::nullopt;
  return read.integer(0);
}

void Outbox::mark_sent(std::int64_t id, std::string_view at) {
  Statement(*this, "UPDATE notify_outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?2, last_error = '' "
                   "WHERE id = ?1 AND state = 'pending'")
      .bind(1, id)
      .bind(2, at)
      .run();
}

void Outbox::mark_retry(std::int64_t id, std::int64_t next_attempt_ms, std::string_view error) {
  Statement(*this, "UPDATE notify_outbox SET attempts = attempts + 1, next_attempt_ms = ?2, last_error = ?3 "
                   "WHERE id = ?1 AND state = 'pending'")
      .bind(1, id)
      .bind(2, next_attempt_ms)
      .bind(3, error)
      .run();
}

void Outbox::mark_failed(std::int64_t id, std::string_view error) {
  Statement(*this, "UPDATE notify_outbox SET state = 'failed', attempts = attempts + 1, last_error = ?2 "
                   "WHERE id = ?1 AND state = 'pending'")
      .bind(1, id)
      .bind(2, error)
      .run();
}

OutboxCounts Outbox::counts() {
  OutboxCounts counts;
  Statement read(*this, "SELECT state, count(*) FROM notify_outbox GROUP BY state");
  while (read.step()) {
    std::string state = read.text(0);
    std::int64_t count = read.integer(1);
    if (state == "pending") counts.pending = count;
    else if (state == "sent") counts.sent = count;
    else if (state == "failed") counts.failed = count;
  }
  Statement items(*this, "SELECT count(*) FROM notify_digest_items");
  if (items.step()) counts.digest_items = items.integer(0);
  return counts;
}

std::vector<OutboxRow> Outbox::notable(std::size_t limit) {
  std::vector<OutboxRow> rows;
  std::string sql = std::string("SELECT ") + kRowColumns +
                    " FROM (SELECT * FROM notify_outbox WHERE state != 'sent' ORDER BY id LIMIT ?1) "
                    "UNION ALL SELECT * FROM (SELECT " + kRowColumns +
                    " FROM notify_outbox WHERE state = 'sent' ORDER BY id DESC LIMIT ?1)";
  Statement read(*this, sql.c_str());
  read.bind(1, static_cast<std::int64_t>(limit));
  while (read.step() && rows.size() < limit) {
    OutboxRow row;
    row.id = read.integer(0);
    row.route = read.text(1);
    row.channel = read.text(2);
    row.kind = read.text(3);
    row.summary = read.text(4);
    row.state = read.text(6);
    row.attempts = read.integer(7);
    row.next_attempt_ms = read.integer(8);
    row.last_error = read.text(9);
    row.created_at = read.text(10);
    row.sent_at = read.text(11);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace bandwatch::daemon::notify
