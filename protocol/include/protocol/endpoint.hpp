// ZeroMQ endpoints as the daemon binds them and the clients connect to them, checked before
// libzmq sees them: libzmq takes a port over 65535 modulo 65536 (253010 binds 56402) and a typo
// in a scheme as an error code without the endpoint.
//
// Thread safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bandwatch::protocol {

/// Why `endpoint` is not one bandwatch uses, or nullopt when it is: `tcp://HOST:PORT` with PORT
/// 1..65535 (or `*` for a free port) and HOST an address, a name or `*`; `ipc://PATH`;
/// `inproc://NAME`.
std::optional<std::string> endpoint_problem(std::string_view endpoint);

/// True when only this machine can reach `endpoint`: tcp on a loopback address (127.0.0.0/8,
/// [::1], localhost), ipc or inproc. Anything else (`*`, 0.0.0.0, a LAN address, a host or
/// interface name) may be reachable from the network.
bool is_local_endpoint(std::string_view endpoint);

}  // namespace bandwatch::protocol
