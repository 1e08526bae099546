#include "protocol/endpoint.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace bandwatch::protocol {

namespace {

/// HOST and PORT of `tcp://HOST:PORT` (HOST without the brackets of an IPv6 address).
bool split_tcp(std::string_view address, std::string_view& host, std::string_view& port) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return true;
}

}  // namespace

std::optional<std::string> endpoint_problem(std::string_view endpoint) {
  const std::string quoted = "'" + std::string(endpoint) + "'";
  std::size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string_view::npos)
    return quoted + " is not an endpoint: write tcp://HOST:PORT (e.g. tcp://127.0.0.1:7610), ipc://PATH or inproc://NAME";
  std::string_view scheme = endpoint.substr(0, scheme_end);
  std::string_view address = endpoint.substr(scheme_end + 3);
  if (scheme == "ipc" || scheme == "inproc") {
    if (address.empty()) return quoted + " names no " + std::string(scheme == "ipc" ? "path" : "name");
    return std::nullopt;
  }
  if (scheme != "tcp")
    return quoted + ": unknown transport '" + std::string(scheme) + "' (tcp, ipc or inproc)";
  std::string_view host, port;
  if (!split_tcp(address, host, port) || host.empty())
    return quoted + " needs a host and a port: tcp://HOST:PORT";
  if (port == "*" || port == "0") return std::nullopt;  // a free port, for binding
  unsigned long number = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || error != std::errc() || end != port.data() + port.size())
    return quoted + ": the port '" + std::string(port) + "' is not a number (1 to 65535, or * for a free one)";
  if (number < 1 || number > 65535)
    return quoted + ": the port " + std::string(port) + " is out of range (1 to 65535)";
  return std::nullopt;
}

bool is_local_endpoint(std::string_view endpoint) {
  if (endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://")) return true;
  if (!endpoint.starts_with("tcp://")) return false;
  std::string_view host, port;
  if (!split_tcp(endpoint.substr(6), host, port)) return false;
  // A connect may name the local end first: "tcp://127.0.0.1:0;192.168.1.5:7610" is not local.
  if (host.find(';') != std::string_view::npos) return false;
  if (host == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace bandwatch::protocol
