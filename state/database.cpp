#include "database.hpp"

#include <sqlite3.h>

#include <charconv>

#include "engine/engine.hpp"

namespace bandwatch::state {

std::unique_ptr<Database> Database::open(const std::string& path, int flags, std::string& error) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    error = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Database>(new Database(db, path));
}

std::unique_ptr<Database> Database::open_read_only(const std::string& path, std::string& error) {
  return open(path, SQLITE_OPEN_READONLY, error);
}

std::unique_ptr<Database> Database::open_read_write(const std::string& path, std::string& error) {
  return open(path, SQLITE_OPEN_READWRITE, error);
}

Database::~Database() { sqlite3_close(db_); }

bool Database::each_row(const char* sql, const std::function<void(const Row&)>& visit, std::string& error) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db_);
    return false;
  }
  int rc = SQLITE_ROW;
  Row row;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    row.clear();
    for (int column = 0; column < sqlite3_column_count(statement); ++column)
      row.push_back(sqlite3_column_type(statement, column) == SQLITE_NULL
                        ? std::nullopt
                        : std::optional<std::int64_t>(sqlite3_column_int64(statement, column)));
    visit(row);
  }
  if (rc != SQLITE_DONE) error = sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  return rc == SQLITE_DONE;
}

std::optional<std::string> Database::text(const char* sql, std::string& error) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db_);
    return std::nullopt;
  }
  std::optional<std::string> value;
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && sqlite3_column_type(statement, 0) != SQLITE_NULL) {
    const void* data = sqlite3_column_blob(statement, 0);
    value = std::string(static_cast<const char*>(data), static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    error = sqlite3_errmsg(db_);
  }
  sqlite3_finalize(statement);
  return value;
}

bool Database::has_table(const std::string& name) {
  std::string error;
  std::string sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'";
  return text(sql.c_str(), error).has_value();
}

std::optional<std::string> Database::meta(const std::string& key) {
  if (!has_table("meta")) return std::nullopt;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = ?1", -1, &statement, nullptr) != SQLITE_OK)
    return std::nullopt;
  sqlite3_bind_text(statement, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  std::optional<std::string> value;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    value = text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
  }
  sqlite3_finalize(statement);
  return value;
}

bool Database::set_meta(const std::string& key, const std::string& value, std::string& error) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                         -1, &statement, nullptr) != SQLITE_OK) {
    error = path_ + ": " + sqlite3_errmsg(db_);
    return false;
  }
  sqlite3_bind_text(statement, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(statement, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  int rc = sqlite3_step(statement);
  if (rc != SQLITE_DONE) error = path_ + ": " + sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  return rc == SQLITE_DONE;
}

namespace {

std::optional<std::uint64_t> parse_sequence(const std::string& text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void check_consistency(Database& db, bool decode_checkpoint, std::vector<std::string>& facts,
                       std::vector<std::string>& problems) {
  std::string error;
  auto failed = [&](const std::string& what) {
    problems.push_back("cannot read " + what + ": " + error);
    error.clear();
  };
  for (const char* table : {"meta", "batches", "checkpoint", "event_blocks"})
    if (!db.has_table(table)) problems.push_back(std::string("the table ") + table + " is missing");
  if (!problems.empty()) return;

  // The batches.
  std::int64_t batches = 0, last_batch = 0, without_samples = 0, last_without_samples = 0;
  if (!db.each_row("SELECT count(*), coalesce(max(seq), 0), "
                   "count(CASE WHEN body IS NULL THEN 1 END), coalesce(max(CASE WHEN body IS NULL THEN seq END), 0) "
                   "FROM batches",
                   [&](const Database::Row& row) {
                     batches = row[0].value_or(0);
                     last_batch = row[1].value_or(0);
                     without_samples = row[2].value_or(0);
                     last_without_samples = row[3].value_or(0);
                   },
                   error))
    return failed("the batches");
  std::string error_as_of;
  std::optional<std::string> last_as_of = db.text("SELECT as_of FROM batches ORDER BY seq DESC LIMIT 1", error_as_of);
  facts.push_back(std::to_string(batches) + " batch(es) applied" +
                  (last_as_of ? ", the last dated " + *last_as_of : std::string()));

  // The event log: each published sequence number once, in order.
  std::int64_t blocks = 0, events = 0, last_block = 0;
  std::uint64_t next = 1;
  std::size_t breaks = 0;
  if (!db.each_row("SELECT id, first_sequence, last_sequence, count FROM event_blocks ORDER BY id",
                   [&](const Database::Row& row) {
                     ++blocks;
                     last_block = row[0].value_or(0);
                     events += row[3].value_or(0);
                     if (!row[1] || !row[2]) return;  // only silenced events
                     auto first = static_cast<std::uint64_t>(*row[1]), last = static_cast<std::uint64_t>(*row[2]);
                     if ((first != next || last < first || static_cast<std::int64_t>(last - first + 1) > row[3].value_or(0)) &&
                         ++breaks <= 3)
                       problems.push_back("event block " + std::to_string(last_block) + " holds sequence numbers " +
                                          std::to_string(first) + ".." + std::to_string(last) + " where " +
                                          std::to_string(next) + " was next (numbers used twice, or lost)");
                     next = std::max(next, last + 1);
                   },
                   error))
    return failed("the event log");
  if (breaks > 3) problems.push_back("... and " + std::to_string(breaks - 3) + " more break(s) in the sequence");
  const std::uint64_t logged = next - 1;
  facts.push_back("event log: " + std::to_string(events) + " event(s) in " + std::to_string(blocks) +
                  " block(s), published up to sequence " + std::to_string(logged));

  // The global sequence: where the next event is numbered from.
  std::optional<std::string> sequence = db.meta("sequence");
  if (sequence) {
    std::optional<std::uint64_t> number = parse_sequence(*sequence);
    if (!number)
      problems.push_back("meta.sequence is '" + sequence->substr(0, 40) + "', not a sequence number");
    else if (*number != logged)
      problems.push_back("meta.sequence is " + *sequence + " but the event log ends at sequence " + std::to_string(logged));
  } else if (logged > 0) {
    problems.push_back("meta.sequence is missing but the event log reaches sequence " + std::to_string(logged));
  }

  // The checkpoint: the engine state after a batch, from which a start replays the rest.
  bool checkpoint = false;
  std::int64_t through_batch = 0, through_block = 0, state_bytes = 0;
  if (!db.each_row("SELECT through_batch, through_event_block, length(state) FROM checkpoint WHERE id = 1",
                   [&](const Database::Row& row) {
                     checkpoint = true;
                     through_batch = row[0].value_or(0);
                     through_block = row[1].value_or(0);
                     state_bytes = row[2].value_or(0);
                   },
                   error))
    return failed("the checkpoint");
  if (!checkpoint) {
    facts.push_back("no checkpoint: a start replays every batch");
    if (without_samples > 0)
      problems.push_back("the checkpoint is missing, but the samples of " + std::to_string(without_samples) +
                         " batch(es) (up to batch " + std::to_string(last_without_samples) +
                         ") were dropped as covered by one: the engine state cannot be rebuilt (a start would "
                         "begin from nothing and resolve every open alert)");
    return;
  }
  facts.push_back("checkpoint through batch " + std::to_string(through_batch) + " and event block " +
                  std::to_string(through_block) + " (" + std::to_string(state_bytes) + " bytes of engine state)");
  if (through_batch > last_batch)
    problems.push_back("the checkpoint covers batch " + std::to_string(through_batch) + " but the last batch is " +
                       std::to_string(last_batch));
  if (through_block > last_block)
    problems.push_back("the checkpoint covers event block " + std::to_string(through_block) +
                       " but the event log ends at block " + std::to_string(last_block));
  if (last_without_samples > through_batch)
    problems.push_back("batch " + std::to_string(last_without_samples) + " is after the checkpoint (through batch " +
                       std::to_string(through_batch) + ") but has lost its samples: a start cannot replay it");
  if (decode_checkpoint) {
    std::optional<std::string> state = db.text("SELECT state FROM checkpoint WHERE id = 1", error);
    std::string why;
    if (!state) failed("the checkpoint's engine state");
    else if (!engine::decode_state(*state, &why)) problems.push_back("the checkpoint's engine state is unreadable: " + why);
  }
}

}  // namespace bandwatch::state
