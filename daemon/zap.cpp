#include "zap.hpp"

#include <zmq.h>

#include <filesystem>
#include <vector>

#include <spdlog/spdlog.h>

#include "protocol/curve_keys.hpp"

namespace bandwatch::daemon {

namespace fs = std::filesystem;

ZapHandler::ZapHandler(zmq::context_t& context, std::string authorized_keys_dir,
                       std::shared_ptr<spdlog::logger> log)
    : socket_(context, zmq::socket_type::rep), directory_(std::move(authorized_keys_dir)), log_(std::move(log)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  refresh_keys();
  if (keys_.empty())
    log_->warn("no authorized client keys in {}: every CURVE client will be refused", directory_);
  thread_ = std::thread([this] { run(); });
}

ZapHandler::~ZapHandler() { join(); }

void ZapHandler::join() {
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> ZapHandler::take_revoked(const std::set<std::string>& authorized) {
  std::lock_guard lock(admitted_mutex_);
  std::vector<std::string> revoked;
  for (auto it = admitted_.begin(); it != admitted_.end();) {
    if (authorized.count(*it)) {
      ++it;
      continue;
    }
    revoked.push_back(*it);
    it = admitted_.erase(it);
  }
  return revoked;
}

void ZapHandler::refresh_keys() {
  // A key added to or removed from the directory takes effect on the next handshake: the
  // directory's and its files' modification times are cheap to compare.
  std::error_code error;
  long long stamp = 0;
  auto directory_time = fs::last_write_time(directory_, error);
  if (!error) stamp = directory_time.time_since_epoch().count();
  for (const auto& entry : fs::directory_iterator(directory_, error)) {
    std::error_code ignored;
    auto time = entry.last_write_time(ignored);
    if (!ignored) stamp ^= time.time_since_epoch().count() + static_cast<long long>(entry.path().native().size());
  }
  if (stamp == directory_stamp_) return;
  directory_stamp_ = stamp;
  std::vector<std::string> problems;
  std::vector<std::string> keys = protocol::read_authorized_keys(directory_, problems);
  for (const std::string& problem : problems) log_->warn("authorized keys: {}", problem);
  keys_ = std::set<std::string>(keys.begin(), keys.end());
  log_->info("authorized keys: {} client key(s) from {}", keys_.size(), directory_);
}

void ZapHandler::run() {
  try {
    for (;;) {
      std::vector<zmq::message_t> request;
      zmq::message_t part;
      do {
        (void)socket_.recv(part, zmq::recv_flags::none);
        request.emplace_back(std::move(part));
        part = zmq::message_t();
      } while (request.back().more());
      // RFC 27: version, request id, domain, address, identity, mechanism, credentials...
      std::string version = request.size() > 0 ? request[0].to_string() : "";
      std::string request_id = request.size() > 1 ? request[1].to_string() : "";
      std::string address = request.size() > 3 ? request[3].to_string() : "?";
      std::string mechanism = request.size() > 5 ? request[5].to_string() : "";
      std::string status = "400", text = "refused";
      std::string client_key;
      if (version != "1.0") {
        text = "unsupported ZAP version";
      } else if (mechanism != "CURVE" || request.size() < 7 || request[6].size() != 32) {
        text = "CURVE required";
        log_->warn("refused {}: mechanism {} (CURVE required)", address, mechanism.empty() ? "?" : mechanism);
      } else {
        char z85[41] = {};
        zmq_z85_encode(z85, static_cast<const std::uint8_t*>(request[6].data()), 32);
        client_key = z85;
        refresh_keys();
        if (keys_.count(client_key)) {
          status = "200";
          text = "OK";
          log_->debug("admitted {} with key {}", address, client_key);
          std::lock_guard lock(admitted_mutex_);
          admitted_.insert(client_key);
        } else {
          text = "unknown client key";
          log_->warn("refused {}: client key {} is not in {}", address, client_key, directory_);
        }
      }
      socket_.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
      socket_.send(zmq::buffer(status == "200" ? client_key : std::string()), zmq::send_flags::sndmore);
      socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
    }
  } catch (const zmq::error_t& error) {
    if (error.num() != ETERM) log_->error("ZAP handler stopped: {}", error.what());
  }
  socket_.close();
}

}  // namespace bandwatch::daemon
