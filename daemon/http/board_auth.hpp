// Who is asking, for the live board: a signed-in session (an account of the accounts file,
// its password checked against the Argon2id hash), a user named by the trusted reverse proxy's
// header (believed only from the configured proxy addresses), or nobody (read-only, and only on
// loopback unless --insecure-public). Sessions live in memory (a restart signs everyone out)
// and expire after --http-session-minutes. CSRF tokens are an HMAC of the session (or of the
// proxy's user, or of the sign-in form's cookie) under a key drawn at start, so every form
// carries one and no other site can make one. Internal to bandwatchd.
//
// Thread safety: the HTTP thread's only.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <spdlog/logger.h>

#include "board_options.hpp"
#include "protocol/accounts.hpp"

namespace bandwatch::daemon::http {

struct Identity {
  std::string user;         // empty: nobody signed in
  std::string name;         // for acknowledgements
  std::string session;      // the session token, when signed in by password
  bool by_proxy = false;    // named by the trusted proxy's header
  bool loopback = false;    // the peer is this machine (and not a configured proxy)
  bool https = false;       // the proxy says the browser used https
  std::map<std::string, protocol::Role> roles;  // route (or "*") -> role
};

class BoardAuth {
 public:
  BoardAuth(const BoardOptions& options, std::shared_ptr<spdlog::logger> log);

  /// Reads the accounts file (again when it changed); false with `error` set.
  bool load(std::string& error);
  bool has_accounts() const { return !options_.accounts_file.empty(); }

  /// From the request's cookie and proxy header, and the peer's address.
  Identity identify(std::string_view cookie_header, std::string_view proxy_user, std::string_view forwarded_proto,
                    const boost::asio::ip::address& peer);
  /// What `who` may do on `route` ("unrouted" for alerts without one).
  protocol::Role role(const Identity& who, const std::string& route) const;
  /// Whether `who` may see the board at all (some role somewhere, or anonymous reading allowed).
  bool may_view(const Identity& who) const;

  std::string csrf_for(const Identity& who) const;
  bool check_csrf(const Identity& who, std::string_view token) const;
  /// The sign-in form's token, from its cookie `bw_pre` (made here when absent: `set_cookie`).
  std::string signin_csrf(std::string_view cookie_header, std::string& set_cookie) const;
  bool check_signin_csrf(std::string_view cookie_header, std::string_view token) const;

  /// Checks the password; the new session's Set-Cookie value, or nullopt (`error` says why, in
  /// words for the page: the same for an unknown user and a wrong password).
  std::optional<std::string> sign_in(const std::string& user, const std::string& password, bool https,
                                     std::string& error);
  /// Ends the session; the Set-Cookie value that clears it.
  std::string sign_out(const Identity& who);

 private:
  struct Session {
    std::string user;
    std::chrono::steady_clock::time_point expires;
  };
  std::string mac(std::string_view text) const;
  std::string cookie_attributes(bool https) const;
  void reload_if_changed();

  BoardOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  protocol::Accounts accounts_;
  std::filesystem::file_time_type accounts_time_{};
  std::map<std::string, Session> sessions_;  // token -> session
  std::string key_;                          // HMAC key for CSRF tokens, drawn at start
};

/// The value of cookie `name` in a Cookie header, or empty.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace bandwatch::daemon::http
