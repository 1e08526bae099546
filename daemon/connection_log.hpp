// Logs what happens to connections before bandwatchd reads a request from them:
// - the connections it refuses before its ZAP handler is asked: a client without a CURVE key (a
//   plain socket) fails the handshake on the mechanism alone, which ZAP never sees. Each is
//   logged as a warning with the peer's address and the socket it tried. Refusals by key are
//   ZAP's to log (zap.hpp);
// - a connection that closes without one whole request read from it: libzmq cuts off a frame
//   over the socket's size limit by dropping the connection, before the daemon sees anything,
//   so this is the one trace such a client leaves. Told at info with the peer's address.
// Internal to bandwatchd.
//
// Thread safety: watch() on the thread that owns the sockets, before they bind; the log runs on
// its own thread with its own sockets, and stops when the object is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>
#include <zmq.hpp>

namespace bandwatch::daemon {

/// Requests read per connection, by file descriptor: counted by the thread reading the socket,
/// taken by the log when the connection closes. Thread safe.
class RequestCounts {
 public:
  /// Counts the request `frame` (any frame of it) came in on.
  void count(zmq::message_t& frame);
  /// The requests counted on `fd` since the last take, and starts it again from none.
  std::uint64_t take(int fd);

 private:
  std::mutex mutex_;
  std::unordered_map<int, std::uint64_t> counts_;
};

class ConnectionLog {
 public:
  ConnectionLog(zmq::context_t& context, std::shared_ptr<spdlog::logger> log);
  ~ConnectionLog();
  ConnectionLog(const ConnectionLog&) = delete;
  ConnectionLog& operator=(const ConnectionLog&) = delete;

  /// Follows `socket`'s connections under `name` ("ingest"). Call before start(). With
  /// `requests` (counted by the socket's reader), a connection closed before one whole request
  /// is logged, with `cut_off` saying what frame size libzmq cuts off on that socket.
  void watch(zmq::socket_t& socket, const std::string& name, std::shared_ptr<RequestCounts> requests = nullptr,
             std::string cut_off = {});
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
