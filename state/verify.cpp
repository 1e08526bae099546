// `bandwatch verify` and `bandwatch backup`: reading a state directory while a daemon may serve
// from it (SQLite readers do not block the WAL writer).
#include <sqlite3.h>

#include <filesystem>

#include "database.hpp"
#include "state/state_dir.hpp"

namespace bandwatch::state {

namespace fs = std::filesystem;

namespace {

/// PRAGMA integrity_check: "ok", or SQLite's first findings.
std::vector<std::string> integrity_problems(Database& db) {
  std::vector<std::string> problems;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db.handle(), "PRAGMA integrity_check(20)", -1, &statement, nullptr) != SQLITE_OK) {
    problems.push_back(std::string("integrity_check cannot run: ") + sqlite3_errmsg(db.handle()));
    return problems;
  }
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    std::string line = text ? reinterpret_cast<const char*>(text) : "";
    if (line != "ok") problems.push_back("integrity_check: " + line);
  }
  if (rc != SQLITE_DONE) problems.push_back(std::string("integrity_check: ") + sqlite3_errmsg(db.handle()));
  sqlite3_finalize(statement);
  return problems;
}

}  // namespace

VerifyReport verify_state_dir(const std::string& directory) {
  VerifyReport report;
  std::string path = (fs::path(directory) / kDatabaseFile).string();
  std::error_code ignored;
  if (!fs::exists(path, ignored)) {
    report.problems.push_back(path + " does not exist");
    return report;
  }
  std::string error;
  std::unique_ptr<Database> db = Database::open_read_only(path, error);
  if (!db) {
    report.problems.push_back(path + ": cannot open: " + error);
    return report;
  }
  std::vector<std::string> integrity = integrity_problems(*db);
  if (integrity.empty()) report.facts.push_back("integrity_check: ok");
  report.problems.insert(report.problems.end(), integrity.begin(), integrity.end());
  if (!db->has_table("batches")) {
    report.problems.push_back(path + " is empty: no table of batches");
    return report;
  }
  check_consistency(*db, /*decode_checkpoint=*/true, report.facts, report.problems);
  return report;
}

std::optional<std::string> backup_state_dir(const std::string& directory, const std::string& destination,
                                            std::string& error) {
  std::string path = (fs::path(directory) / kDatabaseFile).string();
  std::error_code failure;
  if (!fs::exists(path, failure)) {
    error = path + " does not exist";
    return std::nullopt;
  }
  if (fs::exists(destination, failure)) {
    error = destination + " exists: give a new file";
    return std::nullopt;
  }
  std::unique_ptr<Database> source = Database::open_read_only(path, error);
  if (!source) {
    error = path + ": cannot open: " + error;
    return std::nullopt;
  }
  std::string temporary = destination + ".partial";
  fs::remove(temporary, failure);
  sqlite3* target = nullptr;
  if (sqlite3_open_v2(temporary.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    error = temporary + ": cannot create: " + (target ? sqlite3_errmsg(target) : "out of memory");
    sqlite3_close(target);
    return std::nullopt;
  }
  // One step: the copy is one read transaction, so it is the state after some commit, whole,
  // while the daemon goes on appending to its write-ahead log.
  sqlite3_backup* backup = sqlite3_backup_init(target, "main", source->handle(), "main");
  int rc = backup ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  if (backup) sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    error = temporary + ": the backup failed: " + sqlite3_errmsg(target);
    sqlite3_close(target);
    fs::remove(temporary, failure);
    return std::nullopt;
  }
  sqlite3_close(target);
  std::unique_ptr<Database> copy = Database::open_read_only(temporary, error);
  std::vector<std::string> problems = copy ? integrity_problems(*copy) : std::vector<std::string>{error};
  std::vector<std::string> facts;
  if (copy && problems.empty()) check_consistency(*copy, /*decode_checkpoint=*/false, facts, problems);
  copy.reset();
  if (!problems.empty()) {
    error = "the copy does not verify (" + problems.front() + "); run `bandwatch verify --state-dir " + directory + "`";
    fs::remove(temporary, failure);
    return std::nullopt;
  }
  fs::rename(temporary, destination, failure);
  if (failure) {
    error = destination + ": cannot rename the copy into place: " + failure.message();
    return std::nullopt;
  }
  std::string summary = path + " backed up to " + destination + " (" + std::to_string(fs::file_size(destination, failure)) +
                        " bytes)";
  for (const std::string& fact : facts) summary += "; " + fact;
  return summary;
}

}  // namespace bandwatch::state
