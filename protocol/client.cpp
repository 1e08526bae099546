#include "protocol/client.hpp"

#include <atomic>
#include <cstring>

namespace bandwatch::protocol {

std::optional<ClientSecurity> load_client_security(const std::string& server_key_file,
                                                   const std::string& client_key_file,
                                                   std::string& error) {
  ClientSecurity security;
  if (server_key_file.empty() && client_key_file.empty()) return security;
  if (server_key_file.empty() || client_key_file.empty()) {
    error = "CURVE needs both --curve-server-key (the daemon's public key) and --curve-secret-key "
            "(this client's key pair)";
    return std::nullopt;
  }
  auto server = read_curve_keys(server_key_file, error);
  if (!server) return std::nullopt;
  auto client = read_curve_keys(client_key_file, error);
  if (!client) return std::nullopt;
  if (client->secret_key.empty()) {
    error = client_key_file + ": has no secret-key (pass the key pair file, NAME.key)";
    return std::nullopt;
  }
  security.server_public_key = server->public_key;
  security.client_keys = *client;
  return security;
}

void apply_client_security(zmq::socket_t& socket, const ClientSecurity& security) {
  if (!security.enabled()) return;
  socket.set(zmq::sockopt::curve_serverkey, security.server_public_key);
  socket.set(zmq::sockopt::curve_publickey, security.client_keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, security.client_keys.secret_key);
}

namespace {

std::atomic<unsigned> monitor_counter{0};

}  // namespace

SocketMonitor::SocketMonitor(zmq::context_t& context, zmq::socket_t& socket)
    : watched_(&socket), pair_(context, zmq::socket_type::pair) {
  std::string endpoint = "inproc://bandwatch-monitor-" + std::to_string(monitor_counter++);
  int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(socket.handle(), endpoint.c_str(), events) != 0) throw zmq::error_t();
  pair_.set(zmq::sockopt::linger, 0);
  pair_.connect(endpoint);
}

SocketMonitor::~SocketMonitor() {
  zmq_socket_monitor(watched_->handle(), nullptr, 0);
}

std::optional<std::string> SocketMonitor::read_failure() {
  std::optional<std::string> failure;
  for (;;) {
    zmq::message_t event, address;
    if (!pair_.recv(event, zmq::recv_flags::dontwait)) break;
    if (event.more()) (void)pair_.recv(address, zmq::recv_flags::none);
    if (event.size() < 6) continue;
    std::uint16_t id;
    std::uint32_t value;
    std::memcpy(&id, event.data(), 2);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
    std::string where = address.to_string();
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
      failure = where + " refused our CURVE key (ZAP status " + std::to_string(value) +
                "): ask the operator to add this client's .pub file to the daemon's "
                "--authorized-keys directory";
    else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
      failure = where + ": security handshake failed (protocol error " + std::to_string(value) +
                "): does the daemon use CURVE, and is --curve-server-key its public key?";
    else if (id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
      failure = where + ": security handshake failed: does the daemon use CURVE, and is "
                "--curve-server-key its public key?";
  }
  return failure;
}

LazyPirateClient::LazyPirateClient(zmq::context_t& context, std::string endpoint,
                                   ClientSecurity security, std::chrono::milliseconds timeout,
                                   int retries)
    : context_(context),
      endpoint_(std::move(endpoint)),
      security_(std::move(security)),
      timeout_(timeout),
      retries_(retries < 0 ? 0 : retries) {}

LazyPirateClient::~LazyPirateClient() {
  monitor_.reset();
  socket_.reset();
}

void LazyPirateClient::open() {
  monitor_.reset();
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::req);
  socket_->set(zmq::sockopt::linger, 0);
  apply_client_security(*socket_, security_);
  monitor_ = std::make_unique<SocketMonitor>(context_, *socket_);
  socket_->connect(endpoint_);
}

RequestStatus LazyPirateClient::request(std::span<const std::string_view> frames,
                                        std::vector<std::string>& reply, std::string& error) {
  reply.clear();
  for (int attempt = 1; attempt <= retries_ + 1; ++attempt) {
    if (attempt > 1 && on_retry) on_retry(attempt);
    // A REQ socket that timed out is stuck waiting for its reply: Lazy Pirate drops it.
    if (!socket_ || attempt > 1) open();
    for (std::size_t i = 0; i < frames.size(); ++i)
      socket_->send(zmq::buffer(frames[i].data(), frames[i].size()),
                    i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0},
                                 {monitor_->socket().handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, left);
      if (items[1].revents & ZMQ_POLLIN) {
        if (auto failure = monitor_->read_failure()) {
          error = *failure;
          monitor_.reset();
          socket_.reset();
          return RequestStatus::refused;
        }
      }
      if (items[0].revents & ZMQ_POLLIN) {
        zmq::message_t part;
        do {
          (void)socket_->recv(part, zmq::recv_flags::none);
          reply.emplace_back(part.to_string());
        } while (part.more());
        return RequestStatus::ok;
      }
    }
  }
  monitor_.reset();
  socket_.reset();
  error = "no reply from " + endpoint_ + " after " + std::to_string(retries_ + 1) +
          (retries_ == 0 ? " attempt" : " attempts") + " of " + std::to_string(timeout_.count()) +
          " ms: is bandwatchd running and listening there?";
  return RequestStatus::no_reply;
}

std::optional<nlohmann::json> control_request(LazyPirateClient& client, const nlohmann::json& request,
                                              std::string& error, RequestStatus* status) {
  RequestStatus ignored;
  RequestStatus& result = status ? *status : ignored;
  std::string text = request.dump();
  std::string_view frames[] = {text};
  std::vector<std::string> reply;
  result = client.request(frames, reply, error);
  if (result != RequestStatus::ok) return std::nullopt;
  result = RequestStatus::no_reply;  // until the reply is one
  if (reply.size() != 1) {
    error = "unexpected reply from " + client.endpoint() + ": " + std::to_string(reply.size()) +
            " frames";
    return std::nullopt;
  }
  nlohmann::json parsed = nlohmann::json::parse(reply[0], nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    error = "reply from " + client.endpoint() + " is not JSON: " + reply[0].substr(0, 200);
    return std::nullopt;
  }
  if (auto message = parsed.find("error"); message != parsed.end()) {
    error = message->is_string() ? message->get<std::string>() : message->dump();
    result = RequestStatus::answered_error;
    return std::nullopt;
  }
  result = RequestStatus::ok;
  return parsed;
}

}  // namespace bandwatch::protocol
