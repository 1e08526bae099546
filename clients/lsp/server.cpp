#include "server.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>

#include "clients/sample_files.hpp"
#include "features.hpp"
#include "jsonrpc.hpp"
#include "text.hpp"

namespace bandwatch::lsp {

namespace {

/// A request's parameter that must be there; throws a message for -32602.
struct BadParams : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A request that cannot be done as asked (formatting a file with a syntax error): -32803.
struct RequestFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json& require(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) throw BadParams(std::string("missing '") + key + "'");
  return object.at(key);
}

std::string require_string(const json& object, const char* key) {
  const json& value = require(object, key);
  if (!value.is_string()) throw BadParams(std::string("'") + key + "' must be a string");
  return value.get<std::string>();
}

std::size_t require_count(const json& object, const char* key) {
  const json& value = require(object, key);
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0)
    throw BadParams(std::string("'") + key + "' must be a number from 0");
  return value.get<std::size_t>();
}

std::int64_t version_of(const json& document) {
  return document.is_object() && document.contains("version") && document["version"].is_number_integer()
             ? document["version"].get<std::int64_t>()
             : 0;
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}
Server::~Server() = default;

std::vector<json> Server::handle(const std::string& body) {
  std::vector<json> out;
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    out.push_back(error_response(nullptr, kParseError, "the message is not JSON"));
    return out;
  }
  if (!message.is_object() || !message.contains("method") || !message["method"].is_string()) {
    // A response to something we never asked, or not a message at all.
    if (message.is_object() && message.contains("id") && (message.contains("result") || message.contains("error")))
      return out;
    json id = message.is_object() && message.contains("id") ? message["id"] : json(nullptr);
    out.push_back(error_response(id, kInvalidRequest, "not a JSON-RPC request or notification (no 'method')"));
    return out;
  }
  std::string method = message["method"].get<std::string>();
  bool is_request = message.contains("id");
  json id = is_request ? message["id"] : json(nullptr);
  if (is_request && !(id.is_number_integer() || id.is_string())) {
    out.push_back(error_response(nullptr, kInvalidRequest, "a request's id must be a number or a string"));
    return out;
  }
  json params = message.contains("params") ? message["params"] : json::object();
  try {
    if (!initialized_ && method != "initialize" && method != "exit") {
      if (is_request) out.push_back(error_response(id, kServerNotInitialized, "initialize first"));
      return out;
    }
    if (shutdown_ && method != "exit") {
      if (is_request) out.push_back(error_response(id, kInvalidRequest, "the server is shutting down"));
      return out;
    }
    json result = dispatch(method, params, is_request, out);
    if (is_request && !(result.is_object() && result.contains("__method_not_found")))
      out.insert(out.begin(), response(id, std::move(result)));
    else if (is_request)
      out.insert(out.begin(), error_response(id, kMethodNotFound, "no method " + method));
  } catch (const BadParams& error) {
    if (is_request) out.push_back(error_response(id, kInvalidParams, method + ": " + error.what()));
  } catch (const RequestFailed& error) {
    if (is_request) out.push_back(error_response(id, kRequestFailed, error.what()));
  } catch (const std::exception& error) {
    if (is_request) out.push_back(error_response(id, kInternalError, method + " failed: " + error.what()));
  }
  return out;
}

json Server::initialize(const json& params) {
  std::vector<std::string> roots;
  if (params.contains("workspaceFolders") && params["workspaceFolders"].is_array()) {
    for (const json& folder : params["workspaceFolders"])
      if (folder.is_object() && folder.contains("uri") && folder["uri"].is_string()) {
        std::string path = uri_to_path(folder["uri"].get<std::string>());
        if (!path.empty()) roots.push_back(path);
      }
  }
  if (roots.empty() && params.contains("rootUri") && params["rootUri"].is_string()) {
    std::string path = uri_to_path(params["rootUri"].get<std::string>());
    if (!path.empty()) roots.push_back(path);
  }
  if (roots.empty() && params.contains("rootPath") && params["rootPath"].is_string())
    roots.push_back(params["rootPath"].get<std::string>());
  workspace_.set_roots(roots);
  if (!workspace_.roots().empty()) root_ = workspace_.roots().front();
  // Sample files may also come from the editor's settings: {"samples": ["data/2020.txt"]},
  // relative to the first workspace folder.
  if (params.contains("initializationOptions") && params["initializationOptions"].is_object()) {
    const json& options = params["initializationOptions"];
    if (options.contains("samples") && options["samples"].is_array())
      for (const json& sample : options["samples"])
        if (sample.is_string()) {
          std::filesystem::path path = sample.get<std::string>();
          if (path.is_relative() && !root_.empty()) path = std::filesystem::path(root_) / path;
          options_.samples.push_back(path.string());
        }
  }
  initialized_ = true;
  return {{"capabilities",
           {{"positionEncoding", "utf-16"},
            {"textDocumentSync", {{"openClose", true}, {"change", 1}, {"save", {{"includeText", false}}}}},
            {"hoverProvider", true},
            {"completionProvider", {{"triggerCharacters", json::array({"{", ",", " ", "("})}}},
            {"documentFormattingProvider", true}}},
          {"serverInfo", {{"name", "bandwatch"}, {"version", "0.1.0"}}}};
}

json Server::dispatch(const std::string& method, const json& params, bool is_request, std::vector<json>& out) {
  if (method == "initialize") {
    if (initialized_) throw BadParams("initialize was sent twice");
    return initialize(params);
  }
  if (method == "initialized" || method == "$/cancelRequest" || method == "$/setTrace" ||
      method == "workspace/didChangeConfiguration")
    return nullptr;
  if (method == "shutdown") {
    shutdown_ = true;
    return nullptr;
  }
  if (method == "exit") {
    exit_requested_ = true;
    return nullptr;
  }
  if (method == "textDocument/didOpen") {
    const json& document = require(params, "textDocument");
    workspace_.open(require_string(document, "uri"), require_string(document, "text"), version_of(document));
    publish_all(out);
    return nullptr;
  }
  if (method == "textDocument/didChange") {
    const json& document = require(params, "textDocument");
    const json& changes = require(params, "contentChanges");
    if (!changes.is_array() || changes.empty()) throw BadParams("'contentChanges' must be a list of changes");
    // Full sync: the last change holds the whole text.
    const json& last = changes.back();
    if (last.contains("range")) throw BadParams("only whole-text changes are taken (textDocumentSync 1)");
    workspace_.change(require_string(document, "uri"), require_string(last, "text"), version_of(document));
    publish_all(out);
    return nullptr;
  }
  if (method == "textDocument/didClose") {
    std::string uri = require_string(require(params, "textDocument"), "uri");
    workspace_.close(uri);
    out.push_back(notification("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}}));
    published_.erase(std::remove(published_.begin(), published_.end(), uri), published_.end());
    publish_all(out);
    return nullptr;
  }
  if (method == "textDocument/didSave" || method == "workspace/didChangeWatchedFiles") {
    workspace_.files_changed();
    publish_all(out);
    return nullptr;
  }
  if (method == "textDocument/hover" || method == "textDocument/completion" || method == "textDocument/formatting") {
    std::string uri = require_string(require(params, "textDocument"), "uri");
    const Document* document = workspace_.document(uri);
    if (!document) throw BadParams("the document " + uri + " is not open");
    if (method == "textDocument/formatting") {
      json edits;
      std::string error;
      if (!formatting(*document, edits, error)) throw RequestFailed(error);
      return edits;
    }
    const json& position = require(params, "position");
    std::size_t line = require_count(position, "line"), character = require_count(position, "character");
    const Analysis& analysis = workspace_.analyse();
    if (method == "textDocument/hover") return hover(analysis, *document, line, character, values(), values_source_);
    return completion(analysis, *document, line, character);
  }
  (void)is_request;
  return {{"__method_not_found", true}};
}

void Server::publish_all(std::vector<json>& out) {
  const Analysis& analysis = workspace_.analyse();
  for (const auto& [uri, document] : workspace_.documents()) {
    out.push_back(notification("textDocument/publishDiagnostics", diagnostics_for(analysis, document)));
    if (std::find(published_.begin(), published_.end(), uri) == published_.end()) published_.push_back(uri);
  }
}

const engine::Engine* Server::values() {
  if (options_.samples.empty()) return nullptr;
  const Analysis& analysis = workspace_.analyse();
  if (engine_ && engine_generation_ == analysis.generation) return engine_.get();
  auto unavailable = [&](const std::string& why) -> const engine::Engine* {
    // The values of the last program that compiled, if any; otherwise say why there are none.
    if (!engine_) values_source_ = why;
    return engine_.get();
  };
  if (has_errors(analysis.loaded.diagnostics)) return unavailable("none while the rules have errors");
  auto engine = std::make_unique<engine::Engine>();
  if (!engine->load(analysis.loaded.files).ok()) return unavailable("none while the rules have errors");
  cli::SampleFiles samples;
  std::string error;
  if (!samples.read(*engine, options_.samples, std::nullopt, error) ||
      !samples.replay(*engine, [](const engine::Evaluation&) {}, error))
    return unavailable("the samples could not be replayed: " + error);
  std::optional<Date> last = engine->last_as_of();
  values_source_ = "samples";
  if (last) values_source_ += ", as of " + last->iso();
  engine_ = std::move(engine);
  engine_generation_ = analysis.generation;
  return engine_.get();
}

}  // namespace bandwatch::lsp
