// The control socket's requests (protocol.hpp lists them), as a table: a request's "command"
// names its handler. Each answers a JSON object, or {"error": ...}; a failed store transaction
// is answered so and the engine rebuilt from the store. Internal to bandwatchd.
//
// Thread safety: the serving thread's. Requests are answered with the writer settled, so each
// sees the store and the feed as one.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "ingest.hpp"
#include "server_state.hpp"

namespace bandwatch::daemon {

class ControlHandlers {
 public:
  ControlHandlers(ServerState& state, IngestPipeline& ingest, zmq::context_t& context);

  /// The control ROUTER socket, for the server to set up and bind.
  zmq::socket_t& socket() { return control_; }

  /// Answers the requests waiting on the socket (at most 16 at a time, so batches are not
  /// starved either).
  void on_control();

  /// Reloads the rules (the `reload` request, SIGHUP, a change of the files): when the new ones
  /// have errors the program in force is kept and the errors answered.
  nlohmann::json reload(const std::string& reason);

 private:
  using Handler = nlohmann::json (ControlHandlers::*)(const nlohmann::json& request);
  struct Entry {
    std::string_view command;
    Handler handler;
  };
  static const Entry kHandlers[];

  nlohmann::json answer(const nlohmann::json& request);
  nlohmann::json snapshot(const nlohmann::json& request);
  nlohmann::json acknowledge(const nlohmann::json& request);
  nlohmann::json silence(const nlohmann::json& request);
  nlohmann::json unsilence(const nlohmann::json& request);
  nlohmann::json silences(const nlohmann::json& request);
  nlohmann::json reload_request(const nlohmann::json& request);
  nlohmann::json status(const nlohmann::json& request);
  nlohmann::json events(const nlohmann::json& request);
  nlohmann::json probe(const nlohmann::json& request);
  nlohmann::json close(const nlohmann::json& request);
  nlohmann::json report(const nlohmann::json& request);
  nlohmann::json notify(const nlohmann::json& request);
  nlohmann::json withdraw(const nlohmann::json& request);
  /// The answer to a request whose transaction failed; rebuilds the engine from the store.
  nlohmann::json store_failed(const StoreStatus& status, std::string_view what = "state store failed");

  ServerState& state_;
  IngestPipeline& ingest_;
  zmq::socket_t control_;
};

}  // namespace bandwatch::daemon
