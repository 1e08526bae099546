// Internal to state/: the state database read through SQLite alone (a connection of its own,
// never the daemon's), and the consistency checks the daemon's start and `bandwatch verify`
// share. The tables are daemon/store.hpp's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace bandwatch::state {

class Database {
 public:
  /// Opens an existing database without writing to it (WAL readers alongside the daemon).
  static std::unique_ptr<Database> open_read_only(const std::string& path, std::string& error);
  static std::unique_ptr<Database> open_read_write(const std::string& path, std::string& error);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  bool has_table(const std::string& name);
  std::optional<std::string> meta(const std::string& key);
  bool set_meta(const std::string& key, const std::string& value, std::string& error);

  /// A row of integers (NULL as nullopt), for the checks' queries.
  using Row = std::vector<std::optional<std::int64_t>>;
  /// Runs `sql`, calling `visit` for each row; false with `error` on failure.
  bool each_row(const char* sql, const std::function<void(const Row&)>& visit, std::string& error);
  /// The first column of the first row as text, if any.
  std::optional<std::string> text(const char* sql, std::string& error);

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  static std::unique_ptr<Database> open(const std::string& path, int flags, std::string& error);
  sqlite3* db_;
  std::string path_;
};

/// The checks of a database that holds a history: meta.sequence a number and the end of the
/// event log; the published sequence numbers each used once, in order; the checkpoint covering
/// batches and event blocks that exist, and every batch after it still holding its samples (or,
/// without a checkpoint, every batch). With `decode_checkpoint`, the checkpoint's engine state
/// is also decoded. Appends what it found to `facts` and what is wrong to `problems`.
void check_consistency(Database& db, bool decode_checkpoint, std::vector<std::string>& facts,
                       std::vector<std::string>& problems);

}  // namespace bandwatch::state
