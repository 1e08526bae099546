// A small HTTP/1.1 client for the live board's end-to-end tests: one request per connection
// (Connection: close), and a page stream (server-sent events) read as it arrives. Plain POSIX
// sockets, so what the tests see is what goes over the wire.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"

namespace bandwatch::e2e {

struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; Set-Cookie values joined by "\n"
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

/// "127.0.0.1:PORT" from the daemon's endpoints.json.
inline std::string board_address(const Daemon& daemon) {
  json endpoints = json::parse(read_text(daemon.state_dir() + "/endpoints.json"));
  return endpoints.value("http", "");
}

/// The address the tests' connections come from (another loopback address to be a peer that is
/// not the configured proxy); empty: the system's choice.
inline std::string& board_source_address() {
  static std::string source;
  return source;
}

inline int board_connect(const std::string& address) {
  std::size_t colon = address.rfind(':');
  sockaddr_in where{};
  where.sin_family = AF_INET;
  where.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &where.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (!board_source_address().empty()) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, board_source_address().c_str(), &from.sin_addr);
    ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&where), sizeof where) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool board_send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

inline std::string board_request_text(const std::string& method, const std::string& target,
                                      const std::map<std::string, std::string>& headers, const std::string& body) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: board.test\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\r\n";
  if (method == "POST") {
    if (!headers.count("Content-Type")) text += "Content-Type: application/x-www-form-urlencoded\r\n";
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return text + "\r\n" + body;
}

inline HttpAnswer board_parse(const std::string& raw) {
  HttpAnswer answer;
  std::size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return answer;
  answer.status = std::stoi(raw.substr(9, 3));
  std::size_t line = raw.find("\r\n") + 2;
  while (line < end) {
    std::size_t next = raw.find("\r\n", line);
    std::string header = raw.substr(line, next - line);
    std::size_t colon = header.find(':');
    std::string name = header.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    std::string& slot = answer.headers[name];
    slot += (slot.empty() ? "" : "\n") + value;
    line = next + 2;
  }
  answer.body = raw.substr(end + 4);
  return answer;
}

/// One request; the whole answer (read until the server closes).
inline HttpAnswer board_http(const std::string& address, const std::string& method, const std::string& target,
                             const std::map<std::string, std::string>& headers = {}, const std::string& body = "") {
  int fd = board_connect(address);
  if (fd < 0) return {};
  board_send_all(fd, board_request_text(method, target, headers, body));
  std::string raw;
  char buffer[65536];
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd item{fd, POLLIN, 0};
    if (::poll(&item, 1, 200) <= 0) continue;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return board_parse(raw);
}

/// "name=value" of the Set-Cookie header named `name` (without its attributes), or empty.
inline std::string board_cookie(const HttpAnswer& answer, const std::string& name) {
  std::string all = answer.header("set-cookie");
  std::size_t at = all.find(name + "=");
  if (at == std::string::npos) return "";
  return all.substr(at, all.find(';', at) - at);
}

/// The value of `attribute="..."` after `anchor` in `html` (e.g. the csrf input's value).
inline std::string board_attribute(const std::string& html, const std::string& anchor, const std::string& attribute) {
  std::size_t at = html.find(anchor);
  if (at == std::string::npos) return "";
  at = html.find(attribute + "=\"", at);
  if (at == std::string::npos) return "";
  at += attribute.size() + 2;
  return html.substr(at, html.find('"', at) - at);
}

/// A page stream held open: what has arrived so far.
class BoardStream {
 public:
  BoardStream(const std::string& address, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    fd_ = board_connect(address);
    if (fd_ >= 0) board_send_all(fd_, board_request_text("GET", target, headers, ""));
  }
  ~BoardStream() {
    if (fd_ >= 0) ::close(fd_);
  }
  /// Reads until `text` holds `needle` or `timeout` passes.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (text_.find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline || fd_ < 0) return false;
      pollfd item{fd_, POLLIN, 0};
      if (::poll(&item, 1, 100) <= 0) continue;
      char buffer[65536];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return text_.find(needle) != std::string::npos;
      text_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  const std::string& text() const { return text_; }
  /// The events received: id, event name and data, in order.
  struct Event {
    std::string id, event, data;
  };
  std::vector<Event> events() const {
    std::vector<Event> out;
    std::size_t start = text_.find("\r\n\r\n");
    if (start == std::string::npos) return out;
    std::string body = text_.substr(start + 4);
    std::size_t at = 0;
    while (true) {
      std::size_t end = body.find("\n\n", at);
      if (end == std::string::npos) break;
      std::string block = body.substr(at, end - at);
      at = end + 2;
      Event event;
      std::size_t line = 0;
      while (line < block.size()) {
        std::size_t next = block.find('\n', line);
        if (next == std::string::npos) next = block.size();
        std::string text = block.substr(line, next - line);
        if (text.rfind("id: ", 0) == 0) event.id = text.substr(4);
        if (text.rfind("event: ", 0) == 0) event.event = text.substr(7);
        if (text.rfind("data: ", 0) == 0) event.data = text.substr(6);
        line = next + 1;
      }
      if (!event.event.empty()) out.push_back(event);
    }
    return out;
  }

 private:
  int fd_ = -1;
  std::string text_;
};

}  // namespace bandwatch::e2e
