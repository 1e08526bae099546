// Filling a report Source from a running daemon (`bandwatch report --control EP`): the open
// alerts with their acknowledgements (`snapshot`), the event log for what changed since the last
// meeting (`events`), and the indicators with their values and history (`report`).
#pragma once

#include <chrono>
#include <optional>
#include <string>

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

}  // namespace bandwatch::report
