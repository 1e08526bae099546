// What the fault suites share on top of the end-to-end harness: bandwatchd run to its end (a
// start that must be refused), SQL on a state database behind the daemon's back, and a small
// tmpfs for the disk cases (when this machine lets the tests mount one).
#pragma once

#include <sqlite3.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace bandwatch::e2e {

/// bandwatchd on the end-to-end rules and loopback wildcard ports (but the endpoints `extra`
/// gives), run until it exits (a start that is refused exits at once).
inline Result run_bandwatchd(const std::string& state_dir, const std::vector<std::string>& extra = {},
                             std::chrono::milliseconds timeout = 30s) {
  std::vector<std::string> argv{bandwatchd_path(), "--state-dir", state_dir, "--rules", testdata("rules.bw")};
  for (const char* option : {"--ingest", "--publish", "--control"})
    if (std::find(extra.begin(), extra.end(), option) == extra.end()) argv.insert(argv.end(), {option, "tcp://127.0.0.1:*"});
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv, timeout);
}

/// Runs `statement` on the database at `path` (SQLite's own error as a test failure).
inline void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << statement << ": " << text;
}

/// A tmpfs of `bytes` mounted on `path` for the life of this object, when the machine allows it
/// (root, or a user namespace with mount rights); otherwise why not.
class Tmpfs {
 public:
  Tmpfs(const std::string& path, std::size_t bytes) : path_(path) {
    std::filesystem::create_directories(path);
    std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0) mounted_ = true;
    else why_ = std::string("cannot mount a tmpfs here (") + std::strerror(errno) + "): run as root to test this";
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& why_not() const { return why_; }
  /// Remounts it read-only (true) or read-write.
  bool read_only(bool on) {
    return ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | (on ? MS_RDONLY : 0), nullptr) == 0;
  }

 private:
  std::string path_, why_;
  bool mounted_ = false;
};

}  // namespace bandwatch::e2e
