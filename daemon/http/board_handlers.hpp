// The live board's routes: what each request is answered. Pages (`/`, `/route/NAME`), the page
// streams (`/events`, `/route/NAME/events`), sign-in and sign-out, and the actions
// (`POST /route/NAME/ack`, `/route/NAME/silence`), which go to the daemon as the control
// requests `bandwatch ack` and `bandwatch silence` send, with the signed-in person's name as
// "by". Every POST needs the CSRF token of its session (403 without); an action needs the role
// (member to acknowledge, chair to silence; 403 without). Internal to bandwatchd.
//
// Thread safety: the HTTP thread's only; answers to actions come back through the io_context.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/logger.h>

#include "board_auth.hpp"
#include "board_hub.hpp"
#include "board_options.hpp"

namespace bandwatch::daemon::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(Response)>;

/// A page stream to start: the stream's key (a route, or "" for every route) and the last
/// number the page has.
struct StreamStart {
  std::string key;
  std::uint64_t after = 0;
};

class BoardHandlers {
 public:
  BoardHandlers(const BoardOptions& options, BoardHub& hub, BoardAuth& auth, std::shared_ptr<spdlog::logger> log,
                boost::asio::io_context& io);

  /// Answers `request` through `respond` (at once, or later on the io_context when the daemon
  /// is asked), or returns the page stream to start instead.
  std::optional<StreamStart> handle(const Request& request, const boost::asio::ip::address& peer, Respond respond);

 private:
  Response page(const Request& request, unsigned status, std::string body, const char* type = "text/html; charset=utf-8");
  void action(const Request& request, const Identity& who, const std::string& route, const std::string& what,
              Respond respond);
  Response signin(const Request& request, const Identity& who, const boost::asio::ip::address& peer);

  BoardOptions options_;
  BoardHub& hub_;
  BoardAuth& auth_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::io_context& io_;
};

}  // namespace bandwatch::daemon::http
