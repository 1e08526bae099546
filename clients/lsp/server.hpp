// `bandwatch lsp`'s server: one JSON-RPC message in, the messages to send back out. Lifecycle
// (initialize, initialized, shutdown, exit), full-text document sync (didOpen, didChange,
// didClose, didSave), and the features of features.hpp. Diagnostics are published for every open
// document after each change, since a name declared in one file is used in others.
//
// Errors are answered, never thrown out: a body that is not JSON gets -32700 (id null), a message
// that is not a request -32600, an unknown method -32601, a request before initialize -32002, a
// failure inside a handler -32603 with what failed.
//
// Thread safety: none; one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "workspace.hpp"

namespace bandwatch::lsp {

using nlohmann::json;

struct ServerOptions {
  std::vector<std::string> samples;  // sample files replayed for hover's last values
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  /// Handles one message's body; returns what to send, in order.
  std::vector<json> handle(const std::string& body);

  /// Set once `exit` arrives: the process should end with exit_code().
  bool exit_requested() const { return exit_requested_; }
  /// 0 after shutdown then exit, 1 for an exit without shutdown (as the protocol says).
  int exit_code() const { return shutdown_ ? 0 : 1; }

 private:
  json dispatch(const std::string& method, const json& params, bool is_request, std::vector<json>& out);
  json initialize(const json& params);
  void publish_all(std::vector<json>& out);
  /// An engine that has replayed the samples through the program as it is now (or as it last
  /// compiled); null without samples.
  const engine::Engine* values();

  ServerOptions options_;
  Workspace workspace_;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exit_requested_ = false;
  std::string root_;                 // for samples named relative to the workspace
  std::unique_ptr<engine::Engine> engine_;
  std::uint64_t engine_generation_ = 0;
  std::string values_source_;
  std::vector<std::string> published_;  // URIs with diagnostics shown, to clear on close
};

}  // namespace bandwatch::lsp
