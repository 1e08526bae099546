// The live board's HTTP server (Boost.Beast) on a thread of its own (`bw-http`), apart from the
// daemon's serving thread: it reads the daemon only through the BoardHub. Bounded: at most
// --http-max-connections connections (page streams included; one over is answered 503 and
// closed), a request's header and body at most --http-max-request-bytes, a request read or an
// answer written within --http-timeout-seconds, and a page stream that falls 256 events behind
// is closed (the browser reconnects and catches up with Last-Event-ID). Internal to bandwatchd.
//
// Thread safety: start() and stop() from one thread; everything else runs on the server's.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "board_hub.hpp"
#include "board_options.hpp"

namespace bandwatch::daemon::http {

class BoardServer {
 public:
  /// Binds the address and starts the thread; nullptr with `error` set when it cannot (the
  /// address in use, the accounts file unreadable).
  static std::unique_ptr<BoardServer> start(const BoardOptions& options, BoardHub& hub,
                                            std::shared_ptr<spdlog::logger> log, std::string& error);
  ~BoardServer();
  BoardServer(const BoardServer&) = delete;
  BoardServer& operator=(const BoardServer&) = delete;

  /// "127.0.0.1:8080" as bound (a port of 0 resolved).
  const std::string& address() const;
  void stop();

  struct Impl;

 private:
  explicit BoardServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bandwatch::daemon::http
