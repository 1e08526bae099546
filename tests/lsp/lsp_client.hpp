// A language client for tests: starts the real `bandwatch lsp`, writes framed JSON-RPC to its
// standard input and reads framed messages from its standard output, as an editor does.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bandwatch::lsp_test {

using nlohmann::json;
using namespace std::chrono_literals;

class LspClient {
 public:
  explicit LspClient(const std::vector<std::string>& extra_args = {});
  ~LspClient();
  LspClient(const LspClient&) = delete;
  LspClient& operator=(const LspClient&) = delete;

  /// Writes raw bytes to the server.
  void write_raw(const std::string& bytes);
  /// Writes one framed message.
  void send(const json& message);
  /// Sends a request; returns its id.
  int request(const std::string& method, const json& params);
  void notify(const std::string& method, const json& params);

  /// The next message from the server, or nullopt after `timeout`.
  std::optional<json> next(std::chrono::milliseconds timeout = 10s);
  /// Reads messages until one satisfies `match` (those passed over are kept in `seen`).
  std::optional<json> wait_for(const std::function<bool(const json&)>& match, std::chrono::milliseconds timeout = 10s);
  /// The response to request `id`.
  std::optional<json> response(int id, std::chrono::milliseconds timeout = 10s);
  /// The next publishDiagnostics for `uri`.
  std::optional<json> diagnostics(const std::string& uri, std::chrono::milliseconds timeout = 10s);

  /// Closes the server's standard input and waits for it to end: its exit status.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s);

  std::vector<json> seen;

 private:
  pid_t pid_ = -1;
  int to_server_ = -1, from_server_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::optional<int> status_;
};

std::string file_uri(const std::string& path);

}  // namespace bandwatch::lsp_test
