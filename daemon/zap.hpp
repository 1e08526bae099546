// The ZAP handler (ZeroMQ RFC 27) that admits CURVE clients by public key. Without it libzmq
// would let any CURVE client in; with it, only keys found in the authorized-keys directory are
// admitted, and each refusal is logged with the peer address and key.
//
// Thread safety: construct, start and stop from one thread; the handler runs on its own thread
// with its own REP socket on inproc://zeromq.zap.01 (same context as the sockets it guards).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>
#include <zmq.hpp>

namespace bandwatch::daemon {

class ZapHandler {
 public:
  /// Binds the ZAP endpoint (must happen before any CURVE socket binds) and starts the thread.
  /// Throws zmq::error_t if the endpoint cannot be bound.
  ZapHandler(zmq::context_t& context, std::string authorized_keys_dir,
             std::shared_ptr<spdlog::logger> log);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  /// The thread ends when the context shuts down (ETERM); join it.
  void join();

  /// The keys admitted so far that `authorized` no longer holds (their `.pub` left the folder);
  /// forgotten once told. Any thread.
  std::vector<std::string> take_revoked(const std::set<std::string>& authorized);

  static constexpr const char* kDomain = "bandwatch";

 private:
  void run();
  void refresh_keys();

  zmq::socket_t socket_;
  std::string directory_;
  std::shared_ptr<spdlog::logger> log_;
  std::set<std::string> keys_;    // Z85 public keys
  long long directory_stamp_ = -1;  // re-read the directory when its contents change
  std::mutex admitted_mutex_;
  std::set<std::string> admitted_;  // keys admitted since they were last told revoked
  std::thread thread_;
};

}  // namespace bandwatch::daemon
