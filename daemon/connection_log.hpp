// Logs the connections bandwatchd refuses before its ZAP handler is asked: a client without a
// CURVE key (a plain socket) fails the handshake on the mechanism alone, which ZAP never sees.
// Each is logged as a warning with the peer's address and the socket it tried. Refusals by key
// are ZAP's to log (zap.hpp). Internal to bandwatchd.
//
// Thread safety: watch() on the thread that owns the sockets, before they bind; the log runs on
// its own thread with its own sockets, and stops when the object is destroyed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>
#include <zmq.hpp>

namespace bandwatch::daemon {

class ConnectionLog {
 public:
  ConnectionLog(zmq::context_t& context, std::shared_ptr<spdlog::logger> log);
  ~ConnectionLog();
  ConnectionLog(const ConnectionLog&) = delete;
  ConnectionLog& operator=(const ConnectionLog&) = delete;

  /// Follows `socket`'s connections under `name` ("ingest"). Call before start().
  void watch(zmq::socket_t& socket, const std::string& name);
  /// Starts the thread.
  void start();

 private:
  struct Watched;
  void run();

  zmq::context_t& context_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<Watched>> watched_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace bandwatch::daemon
