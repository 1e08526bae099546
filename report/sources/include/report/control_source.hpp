// Filling a report Source from a running daemon (`bandwatch report --control EP`): the open
// alerts with their acknowledgements (`snapshot`), the event log for what changed since the last
// meeting (`events`), and the indicators with their values and history (`report`).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "report/model.hpp"

namespace bandwatch::report {

struct ControlOptions {
  std::string endpoint;
  std::chrono::milliseconds timeout{5000};
  int retries = 2;
  std::string curve_server_key_file;  // both or neither
  std::string curve_secret_key_file;
};

/// Asks the daemon at `options.endpoint`; nullopt with `error` set (in words a user can act on)
/// when it does not answer or answers with an error. `no_reply`, when given, is set to whether
/// the daemon did not answer (or refused this client's CURVE key), as against answering.
std::optional<Source> fetch_source(const ControlOptions& options, std::string& error, bool* no_reply = nullptr);

/// One control request: the daemon's answer, or nullopt with `error` set.
using ControlAsk = std::function<std::optional<nlohmann::json>(const nlohmann::json& request, std::string& error)>;

/// The same Source over any way of asking (bandwatchd's live board asks its own control socket
/// in-process), read again and again: each read() asks for the event log only from where the
/// last one stopped, and `report` and `snapshot` in full.
///
/// Thread safety: one thread at a time.
class ControlSourceReader {
 public:
  /// nullopt with `error` set when a request fails or a reply is not of its shape.
  std::optional<Source> read(const ControlAsk& ask, std::string& error);

 private:
  std::map<std::uint64_t, AlertHistory> alerts_;  // every alert's life as the log tells it
  std::uint64_t next_ = 1;                        // the first sequence number not read yet
};

}  // namespace bandwatch::report
