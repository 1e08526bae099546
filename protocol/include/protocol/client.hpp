// Client side of the daemon's sockets, shared by the `bandwatch` commands, the tests and the
// benchmark: CURVE client setup, a monitor that turns a refused handshake into a clear error,
// and the ZeroMQ guide's Lazy Pirate request (timeout, close and reconnect, resend, give up).
//
// Thread safety: a LazyPirateClient or SocketMonitor belongs to one thread (ZeroMQ sockets are not
// thread-safe); separate objects on one context may be used from different threads.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "protocol/curve_keys.hpp"
#include "protocol/protocol.hpp"

namespace bandwatch::protocol {

/// CURVE settings of a client: the daemon's public key and the client's own key pair. Empty
/// server key: plain TCP.
struct ClientSecurity {
  std::string server_public_key;
  CurveKeys client_keys;
  bool enabled() const { return !server_public_key.empty(); }
};

/// From `--curve-server-key FILE` and `--curve-secret-key FILE` (both or neither). nullopt with
/// `error` set when a file cannot be read or only one is given.
std::optional<ClientSecurity> load_client_security(const std::string& server_key_file,
                                                   const std::string& client_key_file,
                                                   std::string& error);

/// Sets the CURVE client options on `socket` (before connect); nothing when not enabled.
void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security);

/// Watches one socket's handshakes through zmq_socket_monitor, so a client refused by the
/// daemon's ZAP handler can say so instead of timing out silently.
class SocketMonitor {
 public:
  SocketMonitor(zmq::context_t& context, zmq::socket_t& socket);
  ~SocketMonitor();
  SocketMonitor(const SocketMonitor&) = delete;
  SocketMonitor& operator=(const SocketMonitor&) = delete;

  /// The monitor's socket, to poll along with the watched one.
  zmq::socket_t& socket() { return pair_; }
  /// Reads the pending monitor events; returns a description of a failed handshake, if any.
  std::optional<std::string> read_failure();

 private:
  zmq::socket_t* watched_;
  zmq::socket_t pair_;
};

/// How a request went: answered; no reply after every retry; refused by the daemon's CURVE
/// handshake; answered with {"error": ...} (control_request only).
enum class RequestStatus { ok, no_reply, refused, answered_error };

/// One request socket to one endpoint with the Lazy Pirate pattern.
class LazyPirateClient {
 public:
  LazyPirateClient(zmq::context_t& context, std::string endpoint, ClientSecurity security,
                   std::chrono::milliseconds timeout, int retries);
  ~LazyPirateClient();

  /// Sends `frames` as one message and waits up to the timeout for the reply; without one,
  /// closes the socket, opens a new one and sends again, `retries` more times. On ok, `reply`
  /// holds the reply frames. On no_reply or refused, `error` says what happened in words a
  /// user can act on.
  RequestStatus request(std::span<const std::string_view> frames, std::vector<std::string>& reply,
                        std::string& error);

  /// Called before each resend with the attempt number (2, 3, ...), e.g. to print progress.
  std::function<void(int attempt)> on_retry;

  const std::string& endpoint() const { return endpoint_; }

 private:
  void open();
  zmq::context_t& context_;
  std::string endpoint_;
  ClientSecurity security_;
  std::chrono::milliseconds timeout_;
  int retries_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<SocketMonitor> monitor_;
};

/// One control request (JSON in, JSON out) through a LazyPirateClient. nullopt with `error` set
/// when there is no reply, the reply is not JSON, or the daemon answered {"error": ...};
/// `status`, when given, says which (a reply that is not JSON counts as no reply).
std::optional<nlohmann::json> control_request(LazyPirateClient& client, const nlohmann::json& request,
                                              std::string& error, RequestStatus* status = nullptr);

/// A received frame as a feed message (split_feed_message): the views point into `frame`.
inline std::optional<FeedMessage> split_feed_frame(const zmq::message_t& frame) {
  return split_feed_message({static_cast<const char*>(frame.data()), frame.size()});
}

}  // namespace bandwatch::protocol
