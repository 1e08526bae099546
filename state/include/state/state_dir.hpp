// bandwatchd's state directory from the outside: who holds it (an OS lock), whether what is in it
// can be served from (checked before the daemon opens it, so a deleted, emptied or inconsistent
// database is refused instead of silently starting a new history), and the operator's tools:
// setting old state aside for a new start, verifying it, backing it up while the daemon runs.
// The daemon's own reading and writing of the database is daemon/store.hpp's; this reads it
// through SQLite alone, so `bandwatch verify` and `bandwatch backup` need no daemon.
//
//     std::string error;
//     std::optional<state::StateDirLock> lock = state::StateDirLock::acquire(dir, error);
//     state::StateDirCheck check = state::check_state_dir(dir);   // refuse when !check.ok()
//
// Thread safety: free functions without shared state; a StateDirLock belongs to its process.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bandwatch::state {

inline constexpr std::string_view kDatabaseFile = "bandwatch.db";
/// Written once the database holds the directory's history: without it, a missing or empty
/// database is a new directory; with it, a lost history.
inline constexpr std::string_view kMarkerFile = "state-id";

/// The single-writer guarantee: an exclusive flock on the state directory itself, held open for
/// as long as this lives. Deleting or replacing files in the directory cannot release it, and the
/// kernel releases it when the process ends, however it ends.
class StateDirLock {
 public:
  /// Creates the directory if needed and locks it. nullopt with `error` naming the problem: held
  /// by another process (its pid, from endpoints.json, when known), a read-only filesystem, no
  /// permission.
  static std::optional<StateDirLock> acquire(const std::string& directory, std::string& error);
  StateDirLock(StateDirLock&& other) noexcept;
  StateDirLock& operator=(StateDirLock&& other) noexcept;
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();

 private:
  explicit StateDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// What a directory holds, judged before a daemon opens it.
struct StateDirCheck {
  enum class Kind {
    fresh,     // nothing yet (absent, empty, or a database never written to): initialise it
    existing,  // a history to continue
    refused,   // a history that cannot be continued as it is: `problem` says why and what to do
  };
  Kind kind = Kind::fresh;
  std::string problem;
  bool ok() const { return kind != Kind::refused; }
};

/// Judges `directory` for a daemon about to serve from it (call it holding the lock). Refused:
/// the database is missing or empty where the directory has held state (kMarkerFile, an event
/// log, endpoints.json), belongs to another directory, or is inconsistent (check_consistency).
/// Cheap: no page-by-page integrity check (that is verify_state_dir's).
StateDirCheck check_state_dir(const std::string& directory);

/// Records that `directory` holds a history (kMarkerFile, and the id in the database's meta), once
/// the daemon has created its database. Idempotent. False with `error` when it cannot.
bool mark_state_dir(const std::string& directory, std::string& error);

/// Moves the state files of `directory` (the database with its WAL, kMarkerFile, endpoints.json)
/// into a new `directory`/old-YYYYMMDDTHHMMSS/ for `bandwatchd --reinitialise`; returns that
/// folder, or nullopt with `error`. Call it holding the lock.
std::optional<std::string> set_aside_state(const std::string& directory, std::string& error);

/// What verify_state_dir found: facts (what the directory holds) and problems (what is wrong).
struct VerifyReport {
  std::vector<std::string> facts;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

/// Verifies the database of `directory` without changing it (readable while a daemon runs):
/// SQLite's PRAGMA integrity_check, the global sequence against the event log (every published
/// number once, in order, meta.sequence the last), the checkpoint against the batches and the
/// event log (what it covers exists, what it does not still has its samples) and its state
/// readable by the engine.
VerifyReport verify_state_dir(const std::string& directory);

/// Copies the database of `directory` to `destination` (a new file) through SQLite's online
/// backup API: a consistent copy while the daemon goes on writing. Written beside `destination`
/// and renamed into place once whole and verified (integrity_check). A one-line summary, or
/// nullopt with `error`.
std::optional<std::string> backup_state_dir(const std::string& directory, const std::string& destination,
                                            std::string& error);

}  // namespace bandwatch::state
