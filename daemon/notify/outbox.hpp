// The notifier's durable state, in the daemon's state database (bandwatch.db, beside the event
// log it reads) through a connection of its own:
//
//   notify_outbox        every message to send: mail or Teams post, composed once (the bytes a
//                        retry sends are the ones first tried), its state (pending, sent,
//                        failed), attempts, the time of the next attempt, the last error. A
//                        unique key per route, channel and event range keeps one event from
//                        being queued twice.
//   notify_digest_items  amber, resolved and other changes waiting for their route's digest
//   notify_routes        per route: the date its digest period began, digests sent
//   notify_meta          the last event block turned into messages and digest items ("cursor")
//
// The composer adds messages and digest items and moves the cursor in one transaction, so a
// block of events is queued exactly once whatever moment the daemon is killed at.
//
// Errors: no method throws. As with Store, a failed operation records SQLite's message; inside
// a transaction the writes after it are skipped and commit() rolls back and returns it.
//
// Thread safety: one connection, one thread at a time (the composer and the sender each open
// their own Outbox).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../store.hpp"

struct sqlite3;

namespace bandwatch::daemon::notify {

struct NewMessage {
  std::string key;      // unique: "alerts:ROUTE:email:SEQ", "digest:ROUTE:teams1:N"
  std::string route;
  std::string channel;  // "email" or "teams"
  std::string kind;     // "alerts" or "digest"
  std::string summary;  // the subject or the card's headline, for status
  std::string payload;  // JSON: what the sender needs (delivery.hpp)
};

struct OutboxRow {
  std::int64_t id = 0;
  std::string route, channel, kind, summary, payload, state;
  std::int64_t attempts = 0;
  std::int64_t next_attempt_ms = 0;  // Unix time in milliseconds
  std::string last_error, created_at, sent_at;
};

struct OutboxCounts {
  std::int64_t pending = 0, sent = 0, failed = 0, digest_items = 0;
};

struct DigestItem {
  std::int64_t id = 0;
  std::string item;  // NoticeItem as JSON
};

class Outbox {
 public:
  static std::unique_ptr<Outbox> open(const std::string& directory, SyncMode sync, std::string& error);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  void begin();  // BEGIN IMMEDIATE: the daemon's writer waits (busy timeout) rather than fails
  StoreStatus commit();
  void rollback() noexcept;
  /// The first failure since the last call (for reads outside a transaction).
  StoreStatus take_status();

  // ---- the composer's ----
  std::optional<std::int64_t> cursor();
  void set_cursor(std::optional<std::int64_t> block);
  /// False when a message with its key is already queued (nothing is added).
  bool add_message(const NewMessage& message, std::string_view created_at);
  void add_digest_item(std::string_view route, std::string_view item);
  std::vector<DigestItem> digest_items(std::string_view route);
  void delete_digest_items(std::string_view route, std::int64_t through_id);
  std::optional<std::string> period_start(std::string_view route);  // ISO date
  void set_period_start(std::string_view route, std::string_view date);
  /// Counts the route's digests and returns the new count (for the digest's key).
  std::int64_t next_digest_number(std::string_view route);

  // ---- the sender's ----
  /// The pending message due first (next attempt at or before `now_ms`), if any.
  std::optional<OutboxRow> next_due(std::int64_t now_ms);
  /// When the next pending message is due, if any is pending.
  std::optional<std::int64_t> next_attempt_ms();
  void mark_sent(std::int64_t id, std::string_view at);
  void mark_retry(std::int64_t id, std::int64_t next_attempt_ms, std::string_view error);
  void mark_failed(std::int64_t id, std::string_view error);

  // ---- status ----
  OutboxCounts counts();
  /// Pending and failed messages (oldest first), then the latest sent, at most `limit` in all.
  std::vector<OutboxRow> notable(std::size_t limit);

 private:
  Outbox() = default;
  class Statement;
  bool exec(const char* sql);
  void fail(const std::string& what);

  std::string path_;
  sqlite3* db_ = nullptr;
  bool in_transaction_ = false;
  std::string error_;
};

}  // namespace bandwatch::daemon::notify
