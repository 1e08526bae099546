#include "state/state_dir.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "database.hpp"

namespace bandwatch::state {

namespace fs = std::filesystem;

namespace {

std::string read_small_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text;
  char buffer[256];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > 4096) break;  // these files are a line long
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

/// The pid in STATE_DIR/endpoints.json, for telling the operator who holds the lock.
std::optional<long> holder_pid(const std::string& directory) {
  nlohmann::json endpoints = nlohmann::json::parse(read_small_file(fs::path(directory) / "endpoints.json"), nullptr, false);
  if (endpoints.is_object() && endpoints.contains("pid") && endpoints["pid"].is_number_integer())
    return endpoints["pid"].get<long>();
  return std::nullopt;
}

std::string how_to_recover(const std::string& directory) {
  return "To recover: stop here and restore the database from a backup (`bandwatch backup --state-dir " + directory +
         " FILE` makes one; copy it to " + (fs::path(directory) / kDatabaseFile).string() +
         "), or start a new history with `bandwatchd --reinitialise` (the old files are moved to " + directory +
         "/old-TIME/, not deleted)";
}

std::string new_state_id() {
  std::random_device random;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i) {
    unsigned value = random();
    for (int nibble = 0; nibble < 4; ++nibble) id.push_back(kHex[(value >> (4 * nibble)) & 15]);
  }
  return id;
}

}  // namespace

// ---- the lock --------------------------------------------------------------------------------

std::optional<StateDirLock> StateDirLock::acquire(const std::string& directory, std::string& error) {
  std::error_code ignored;
  fs::create_directories(directory, ignored);
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = directory + ": cannot open the state directory: " + std::strerror(errno);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int why = errno;
    ::close(fd);
    if (why == EWOULDBLOCK) {
      std::optional<long> pid = holder_pid(directory);
      error = "another bandwatchd" + (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
              " holds the state directory " + directory + ": one daemon per state directory";
    } else {
      error = directory + ": cannot lock the state directory: " + std::strerror(why);
    }
    return std::nullopt;
  }
  // The daemon writes here: say so now, by name, rather than through SQLite's "unable to open".
  if (::access(directory.c_str(), W_OK) != 0) {
    int why = errno;
    ::close(fd);
    error = why == EROFS ? directory + " is on a read-only filesystem: bandwatchd keeps its state there and must "
                                       "write it (remount it read-write, or give another --state-dir)"
                         : directory + ": cannot write in the state directory: " + std::strerror(why);
    return std::nullopt;
  }
  return StateDirLock(fd);
}

StateDirLock::StateDirLock(StateDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

StateDirLock& StateDirLock::operator=(StateDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StateDirLock::~StateDirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

// ---- the check at start ----------------------------------------------------------------------

StateDirCheck check_state_dir(const std::string& directory) {
  const fs::path folder(directory);
  const fs::path database = folder / kDatabaseFile;
  std::error_code error;
  const bool marked = fs::exists(folder / kMarkerFile, error);
  const std::string marker = marked ? read_small_file(folder / kMarkerFile) : std::string();
  const auto wal_size = fs::file_size(fs::path(database.string() + "-wal"), error);
  const bool wal = !error && wal_size > 0;
  const bool has_run = fs::exists(folder / "endpoints.json", error);
  const bool database_exists = fs::exists(database, error);
  auto refuse = [&](const std::string& what) {
    return StateDirCheck{StateDirCheck::Kind::refused, what + ". " + how_to_recover(directory)};
  };
  // Evidence that the directory held a history, besides the database.
  std::string held = marked ? (folder / kMarkerFile).string() + " says it holds a history"
                     : wal  ? "its write-ahead log " + database.string() + "-wal still holds writes"
                            : "";
  if (!database_exists) {
    if (!held.empty()) return refuse(database.string() + " is missing, but " + held);
    if (has_run)
      return refuse(database.string() + " is missing, but a daemon has served from " + directory +
                    " (endpoints.json is there)");
    return {StateDirCheck::Kind::fresh, {}};
  }
  std::string open_error;
  std::unique_ptr<Database> db = Database::open_read_only(database.string(), open_error);
  if (!db) return refuse(database.string() + " cannot be read: " + open_error);
  if (!db->has_table("batches")) {
    // Created and never written to, or emptied (truncated to nothing, or its tables dropped).
    if (!held.empty()) return refuse(database.string() + " is empty, but " + held);
    return {StateDirCheck::Kind::fresh, {}};
  }
  std::vector<std::string> facts, problems;
  check_consistency(*db, /*decode_checkpoint=*/false, facts, problems);
  std::optional<std::string> id = db->meta("state_id");
  if (marked && id && *id != marker)
    problems.push_back("it is the database of another state directory (its id is " + *id + ", " +
                       (folder / kMarkerFile).string() + " says " + marker + "): was another file copied over it?");
  if (!problems.empty()) {
    std::string text = database.string() + " is inconsistent: ";
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
    return refuse(text + " (`bandwatch verify --state-dir " + directory + "` checks it in full)");
  }
  return {StateDirCheck::Kind::existing, {}};
}

bool mark_state_dir(const std::string& directory, std::string& error) {
  const fs::path folder(directory);
  std::string path = (folder / kDatabaseFile).string();
  std::unique_ptr<Database> db = Database::open_read_write(path, error);
  if (!db) return false;
  std::optional<std::string> id = db->meta("state_id");
  if (!id) {
    id = new_state_id();
    if (!db->set_meta("state_id", *id, error)) return false;
  }
  fs::path marker = folder / kMarkerFile;
  std::error_code ignored;
  if (fs::exists(marker, ignored) && read_small_file(marker) == *id) return true;
  fs::path temporary = marker;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << *id << "\n";
    out.flush();
    if (!out) {
      error = temporary.string() + ": cannot write: " + std::strerror(errno);
      return false;
    }
  }
  fs::rename(temporary, marker, ignored);
  if (ignored) {
    error = marker.string() + ": cannot write: " + ignored.message();
    return false;
  }
  return true;
}

std::optional<std::string> set_aside_state(const std::string& directory, std::string& error) {
  const fs::path folder(directory);
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "old-%Y%m%dT%H%M%S", &utc);
  fs::path aside = folder / stamp;
  std::error_code failure;
  for (int attempt = 2; fs::exists(aside, failure); ++attempt) aside = folder / (std::string(stamp) + "-" + std::to_string(attempt));
  if (!fs::create_directory(aside, failure)) {
    error = aside.string() + ": cannot create: " + failure.message();
    return std::nullopt;
  }
  std::string database(kDatabaseFile);
  for (std::string name : {database, database + "-wal", database + "-shm", std::string(kMarkerFile), std::string("endpoints.json")}) {
    if (!fs::exists(folder / name, failure)) continue;
    fs::rename(folder / name, aside / name, failure);
    if (failure) {
      error = (folder / name).string() + ": cannot move it to " + aside.string() + ": " + failure.message();
      return std::nullopt;
    }
  }
  return aside.string();
}

}  // namespace bandwatch::state
