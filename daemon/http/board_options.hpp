// The live board's settings (`bandwatchd --http ...`, docs/board.md). Internal to bandwatchd.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/accounts.hpp"

namespace bandwatch::daemon::http {

struct BoardOptions {
  std::string address;     // empty: no board; an IPv4 or IPv6 address (not a name)
  std::uint16_t port = 0;  // 0: a free port (written to endpoints.json as "http")
  std::string accounts_file;    // bandwatch passwd; empty: no sign-in by password
  std::string trusted_header;   // e.g. X-Remote-User; empty: no proxy sign-in
  std::vector<std::string> trusted_proxies;  // addresses whose trusted_header is believed
  protocol::Role proxy_role = protocol::Role::viewer;  // on every route, for a proxy's user not in the accounts file
  bool insecure_public = false;              // --insecure-public: anyone may read beyond loopback
  bool secure_cookies = false;               // --http-secure-cookies: the board is reached over https
  std::chrono::minutes session_lifetime{480};
  std::size_t max_connections = 64;          // open connections, page streams included
  std::size_t max_request_bytes = 16 * 1024;  // a request's header and body together
  std::size_t max_sessions = 1000;
  std::chrono::seconds request_timeout{30};   // to read a request, or to write an answer
  bool enabled() const { return !address.empty(); }
};

}  // namespace bandwatch::daemon::http
