// The Language Server Protocol's base protocol: JSON-RPC 2.0 messages framed by a
// `Content-Length: N` header, a blank line, then N bytes of JSON. Reading is bounded: a header
// line longer than kMaxHeaderLine, more than kMaxHeaderLines header lines, or a body longer than
// the reader's limit is refused (the body skipped, so the stream stays in step) and reported, never
// buffered whole.
//
// Thread safety: a reader and a writer each belong to one thread.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace bandwatch::lsp {

using nlohmann::json;

/// JSON-RPC 2.0 and LSP error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
inline constexpr int kRequestFailed = -32803;

inline constexpr std::size_t kMaxHeaderLine = 1024;
inline constexpr std::size_t kMaxHeaderLines = 32;

struct Frame {
  enum class Kind {
    message,    // `body` holds the message's bytes (not yet parsed)
    too_large,  // Content-Length over the limit: the body was skipped; `problem` says so
    bad_header, // no Content-Length, an unreadable one, or a header too long; `problem` says so
    end,        // the input ended (between messages, or inside one: `problem` says which)
  };
  Kind kind = Kind::end;
  std::string body;
  std::string problem;
};

/// Reads framed messages from a stream (standard input for `bandwatch lsp`).
class FrameReader {
 public:
  FrameReader(std::FILE* in, std::size_t max_body_bytes) : in_(in), max_body_(max_body_bytes) {}
  Frame next();

 private:
  /// One header line without its CR LF; false at the end of input or when too long.
  bool header_line(std::string& line, bool& too_long, bool& eof);
  std::FILE* in_;
  std::size_t max_body_;
};

/// Writes `message` framed, and flushes. False when the output is gone.
bool write_frame(std::FILE* out, const json& message);

/// The three shapes of what a server sends.
json response(const json& id, json result);
json error_response(const json& id, int code, const std::string& message);
json notification(const std::string& method, json params);

}  // namespace bandwatch::lsp
