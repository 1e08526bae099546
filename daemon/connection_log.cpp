#include "connection_log.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zmq.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>

namespace bandwatch::daemon {

struct ConnectionLog::Watched {
  std::string name;
  zmq::socket_t monitor;                // PAIR, connected to the socket's monitor endpoint
  std::map<int, std::string> peers;     // by file descriptor, from accept to disconnect
  std::optional<std::string> failure;   // the handshake that failed, told before its disconnect
  std::shared_ptr<RequestCounts> requests;  // null: closes are not looked at
  std::string cut_off;
};

void RequestCounts::count(zmq::message_t& frame) {
  int fd = frame.get(ZMQ_SRCFD);
  if (fd < 0) return;
  std::lock_guard lock(mutex_);
  ++counts_[fd];
}

std::uint64_t RequestCounts::take(int fd) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(fd);
  if (it == counts_.end()) return 0;
  std::uint64_t n = it->second;
  counts_.erase(it);
  return n;
}

namespace {

/// "203.0.113.7:53122" for a connected socket's peer; "an unknown peer" when it has gone.
std::string peer_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "an unknown peer";
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(in->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(in->sin6_port));
  }
  return "a local peer";
}

std::string handshake_failure(std::uint16_t event, std::uint32_t value) {
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    return "it offered no CURVE key (a plain connection; CURVE is required)";
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) return "its handshake broke the protocol (error " + std::to_string(value) + ")";
  return "its handshake failed (" + std::string(std::strerror(static_cast<int>(value))) + ")";
}

}  // namespace

ConnectionLog::ConnectionLog(zmq::context_t& context, std::shared_ptr<spdlog::logger> log)
    : context_(context), log_(std::move(log)) {}

ConnectionLog::~ConnectionLog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ConnectionLog::watch(zmq::socket_t& socket, const std::string& name, std::shared_ptr<RequestCounts> requests,
                          std::string cut_off) {
  std::string endpoint = "inproc://bandwatchd-connections-" + name;
  int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), events) != 0) throw zmq::error_t();
  auto watched = std::make_unique<Watched>(Watched{name, zmq::socket_t(context_, zmq::socket_type::pair), {}, {},
                                                   std::move(requests), std::move(cut_off)});
  watched->monitor.set(zmq::sockopt::linger, 0);
  watched->monitor.connect(endpoint);
  watched_.push_back(std::move(watched));
}

void ConnectionLog::start() {
  thread_ = std::thread([this] { run(); });
}

void ConnectionLog::run() {
  std::vector<zmq::pollitem_t> items;
  for (auto& watched : watched_) items.push_back({watched->monitor.handle(), 0, ZMQ_POLLIN, 0});
  try {
    while (!stop_) {
      zmq::poll(items, std::chrono::milliseconds(250));
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        Watched& watched = *watched_[i];
        zmq::message_t header, address;
        if (!watched.monitor.recv(header, zmq::recv_flags::dontwait)) continue;
        if (header.more()) (void)watched.monitor.recv(address, zmq::recv_flags::none);
        if (header.size() < 6) continue;
        std::uint16_t event = 0;
        std::uint32_t value = 0;
        std::memcpy(&event, header.data(), 2);
        std::memcpy(&value, static_cast<const char*>(header.data()) + 2, 4);
        int fd = static_cast<int>(value);
        if (event == ZMQ_EVENT_ACCEPTED) {
          watched.peers[fd] = peer_of(fd);
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
          // Told on libzmq's I/O thread just before the same connection's disconnect.
          watched.failure = handshake_failure(event, value);
        } else if (event == ZMQ_EVENT_DISCONNECTED) {
          auto peer = watched.peers.find(fd);
          std::string who = peer != watched.peers.end() ? peer->second : "an unknown peer";
          if (watched.failure) {
            log_->warn("refused {} on the {} socket: {}", who, watched.name, *watched.failure);
          } else if (watched.requests) {
            // A request still on its way to the reader when the close is told here is counted
            // late and makes this line wrong; a client waits for its answer, so that is rare.
            if (std::uint64_t requests = watched.requests->take(fd); requests == 0)
              log_->info("{}: the connection from {} closed without one whole request read from it: the client went "
                         "away first, or sent a frame over {}, which ZeroMQ cuts off by dropping the connection",
                         watched.name, who, watched.cut_off);
            else
              log_->debug("{}: the connection from {} closed after {} request(s)", watched.name, who, requests);
          }
          watched.failure.reset();
          if (peer != watched.peers.end()) watched.peers.erase(peer);
        }
      }
    }
  } catch (const zmq::error_t& error) {
    if (error.num() != ETERM) log_->error("connection log stopped: {}", error.what());
  }
  for (auto& watched : watched_) watched->monitor.close();
}

}  // namespace bandwatch::daemon
