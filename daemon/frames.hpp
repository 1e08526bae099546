// ZeroMQ messages on the daemon's ROUTER sockets (ingest, control): receiving a whole message,
// finding the REQ envelope, answering through it. Internal to bandwatchd.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <zmq.hpp>

namespace bandwatch::daemon {

/// Receives one whole message; false when none is waiting.
bool receive_message(zmq::socket_t& socket, std::vector<zmq::message_t>& frames);

/// Index just after the first empty frame (the REQ delimiter), or 0 when there is none.
std::size_t envelope_size(const std::vector<zmq::message_t>& frames);

/// Sends [envelope..., payload] on a ROUTER socket. A peer that went away is dropped silently by
/// ZeroMQ, which is what Lazy Pirate expects.
void send_reply(zmq::socket_t& socket, std::vector<zmq::message_t>& frames, std::size_t envelope,
                std::string_view payload);

}  // namespace bandwatch::daemon
