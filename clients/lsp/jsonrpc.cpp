#include "jsonrpc.hpp"

#include <cctype>
#include <charconv>
#include <string_view>

namespace bandwatch::lsp {

bool FrameReader::header_line(std::string& line, bool& too_long, bool& eof) {
  line.clear();
  too_long = false;
  eof = false;
  for (;;) {
    int c = std::fgetc(in_);
    if (c == EOF) {
      eof = true;
      return false;
    }
    if (c == '\n') break;
    if (line.size() >= kMaxHeaderLine) {
      too_long = true;  // keep reading to the end of the line, keeping nothing
      continue;
    }
    line.push_back(static_cast<char>(c));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return !too_long;
}

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

}  // namespace

Frame FrameReader::next() {
  Frame frame;
  std::string line;
  bool too_long = false, eof = false, any = false, have_length = false, bad_length = false;
  std::size_t length = 0, lines = 0;
  for (;;) {
    bool ok = header_line(line, too_long, eof);
    if (eof) {
      frame.kind = Frame::Kind::end;
      if (any) frame.problem = "the input ended inside a message's header";
      return frame;
    }
    if (!ok || ++lines > kMaxHeaderLines) {
      // Resynchronise at the blank line that ends this header.
      for (;;) {
        header_line(line, too_long, eof);
        if (eof || (!too_long && line.empty())) break;
      }
      frame.kind = eof ? Frame::Kind::end : Frame::Kind::bad_header;
      frame.problem = "a header longer than " + std::to_string(kMaxHeaderLine) + " bytes or of more than " +
                      std::to_string(kMaxHeaderLines) + " lines";
      return frame;
    }
    if (line.empty()) {
      if (!any) continue;  // blank lines between messages
      break;
    }
    any = true;
    constexpr std::string_view kLength = "content-length:";
    if (iequals_prefix(line, kLength)) {
      std::string_view value = std::string_view(line).substr(kLength.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
      bad_length = error != std::errc() || end != value.data() + value.size();
      have_length = true;
    }
    // Other headers (Content-Type) are allowed and ignored.
  }
  if (!have_length || bad_length) {
    frame.kind = Frame::Kind::bad_header;
    frame.problem = have_length ? "a Content-Length that is not a number of bytes" : "a message without a Content-Length header";
    return frame;
  }
  if (length > max_body_) {
    // Skip the body without keeping it, so the next message is read from its start.
    char buffer[65536];
    std::size_t left = length;
    while (left > 0) {
      std::size_t got = std::fread(buffer, 1, std::min(left, sizeof buffer), in_);
      if (got == 0) break;
      left -= got;
    }
    frame.kind = Frame::Kind::too_large;
    frame.problem = "a message of " + std::to_string(length) + " bytes, over the limit of " +
                    std::to_string(max_body_) + " (--max-message-bytes)";
    return frame;
  }
  frame.body.resize(length);
  std::size_t got = length ? std::fread(frame.body.data(), 1, length, in_) : 0;
  if (got < length) {
    frame.kind = Frame::Kind::end;
    frame.problem = "the input ended inside a message's body";
    frame.body.clear();
    return frame;
  }
  frame.kind = Frame::Kind::message;
  return frame;
}

bool write_frame(std::FILE* out, const json& message) {
  // Invalid UTF-8 in a document's text must not stop the server: replace it.
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string header = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  if (std::fwrite(header.data(), 1, header.size(), out) != header.size()) return false;
  if (std::fwrite(body.data(), 1, body.size(), out) != body.size()) return false;
  return std::fflush(out) == 0;
}

json response(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json error_response(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json notification(const std::string& method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace bandwatch::lsp
