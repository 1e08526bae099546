// bandwatchd's command line and config file (Boost.Program_options): the same long options in
// both; the command line wins; relative paths in a config file are relative to its folder.
//
// Thread safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/board_options.hpp"
#include "server.hpp"

namespace bandwatch::daemon {

struct DaemonOptions {
  ServerOptions server;
  http::BoardOptions board;             // --http: the live board (docs/board.md)
  std::string config_file;
  std::string log_level = "info";
  std::string log_file;                 // empty: stderr only
  std::string curve_secret_key;         // file; with authorized_keys: CURVE on
  std::string authorized_keys;          // directory of client public keys
  int watch_interval_ms = 2000;         // poll the rule files' mtimes; 0: never
  bool insecure_public = false;         // bind beyond loopback without CURVE, knowingly
  bool reinitialise = false;            // set a state that cannot be continued aside; start anew
};

enum class ParseOutcome { run, exit_ok, exit_error };

/// Parses argv (and the config file it names). Prints help, version or errors itself; `run`
/// means `out` is complete and valid.
ParseOutcome parse_daemon_options(int argc, char** argv, DaemonOptions& out);

}  // namespace bandwatch::daemon
