// The subscription of the benchmarks' watchers (daemon_bench, soak_bench): connected to the
// daemon's alerts socket, and live before anything is measured.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

#include <zmq.hpp>

#include "protocol/client.hpp"
#include "protocol/protocol.hpp"

namespace bench {

/// Connects `socket` (SUB) to `endpoint`, subscribed to everything, and returns once the
/// subscription is live: the probe handshake of `bandwatch watch` (the daemon publishes `topic`
/// when asked on `control`, until it arrives). Throws when it never does.
inline void subscribe_live(zmq::socket_t& socket, const std::string& endpoint,
                           bandwatch::protocol::LazyPirateClient& control, const std::string& topic) {
  socket.set(zmq::sockopt::rcvhwm, 0);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::subscribe, "");
  socket.connect(endpoint);
  for (int attempt = 0;; ++attempt) {
    std::string error;
    if (!bandwatch::protocol::control_request(control, {{"command", "probe"}, {"topic", topic}}, error))
      throw std::runtime_error(error);
    zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq::poll(items, 1, std::chrono::milliseconds(100)) > 0) {
      zmq::message_t frame;
      bool live = false;
      while (socket.recv(frame, zmq::recv_flags::dontwait)) {
        auto message = bandwatch::protocol::split_feed_frame(frame);
        live |= message && message->topic == topic;
      }
      if (live) return;
    }
    if (attempt > 100) throw std::runtime_error("the subscription never became live");
  }
}

}  // namespace bench
