#include "text.hpp"

#include <algorithm>

namespace bandwatch::lsp {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Offset of the start of line `line0`, or npos past the last line.
std::size_t line_start(std::string_view text, std::size_t line0) {
  std::size_t start = 0;
  for (std::size_t line = 0; line < line0; ++line) {
    std::size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) return std::string_view::npos;
    start = newline + 1;
  }
  return start;
}

}  // namespace

std::string uri_to_path(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (!uri.starts_with(kScheme)) return {};
  uri.remove_prefix(kScheme.size());
  // file://host/path: only the local host (empty or "localhost") is ours.
  if (uri.starts_with("localhost/")) uri.remove_prefix(9);
  if (!uri.starts_with('/')) return {};
  std::string out;
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      int high = hex_value(uri[i + 1]), low = hex_value(uri[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    if (uri[i] == '?' || uri[i] == '#') break;
    out.push_back(uri[i]);
  }
  return out;
}

std::string path_to_uri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (char c : path) {
    unsigned char u = static_cast<unsigned char>(c);
    if (is_name_char(c) || c == '/' || c == '-' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string_view line_of(std::string_view text, std::size_t line0) {
  std::size_t start = line_start(text, line0);
  if (start == std::string_view::npos) return {};
  std::size_t end = text.find('\n', start);
  std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::size_t utf16_length(std::string_view line, std::size_t bytes) {
  std::size_t units = 0;
  bytes = std::min(bytes, line.size());
  for (std::size_t i = 0; i < bytes; ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    units += c >= 0xF0 ? 2 : 1;         // four-byte sequences are surrogate pairs
  }
  return units;
}

std::size_t offset_of(std::string_view text, std::size_t line0, std::size_t utf16_character) {
  std::size_t start = line_start(text, line0);
  if (start == std::string_view::npos) return text.size();
  std::string_view line = line_of(text, line0);
  std::size_t units = 0, i = 0;
  while (i < line.size() && units < utf16_character) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    units += c >= 0xF0 ? 2 : 1;
    i = std::min(line.size(), i + length);
  }
  return start + i;
}

nlohmann::json position(std::string_view text, std::uint32_t line1, std::uint32_t column1) {
  if (line1 == 0) return {{"line", 0}, {"character", 0}};
  std::string_view line = line_of(text, line1 - 1);
  std::size_t byte = column1 ? column1 - 1 : 0;
  return {{"line", line1 - 1}, {"character", utf16_length(line, byte)}};
}

nlohmann::json token_range(std::string_view text, std::uint32_t line1, std::uint32_t column1) {
  if (line1 == 0) return {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 0}, {"character", 0}}}};
  std::string_view line = line_of(text, line1 - 1);
  std::size_t begin = std::min<std::size_t>(column1 ? column1 - 1 : 0, line.size());
  std::size_t end = begin;
  if (end < line.size() && is_name_char(line[end])) {
    while (end < line.size() && (is_name_char(line[end]) || line[end] == '.')) ++end;
  } else if (end < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[end]);
    end += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    end = std::min(end, line.size());
  }
  nlohmann::json start = {{"line", line1 - 1}, {"character", utf16_length(line, begin)}};
  nlohmann::json stop = {{"line", line1 - 1}, {"character", utf16_length(line, end)}};
  return {{"start", start}, {"end", stop}};
}

nlohmann::json whole_range(std::string_view text) {
  std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  std::size_t last_start = text.rfind('\n');
  last_start = last_start == std::string_view::npos ? 0 : last_start + 1;
  std::string_view last = text.substr(last_start);
  return {{"start", {{"line", 0}, {"character", 0}}},
          {"end", {{"line", lines}, {"character", utf16_length(last, last.size())}}}};
}

}  // namespace bandwatch::lsp
