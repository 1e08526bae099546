// Positions and names as LSP speaks them: file URIs, 0-based lines, and characters counted in
// UTF-16 code units (the protocol's default), against the parser's 1-based lines and byte columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bandwatch::lsp {

/// `file:///a/b%20c.bw` -> `/a/b c.bw`; empty for a URI that is not a file's.
std::string uri_to_path(std::string_view uri);
/// `/a/b c.bw` -> `file:///a/b%20c.bw`.
std::string path_to_uri(std::string_view path);

/// Line `line0` (0-based) of `text`, without its line break; empty past the end.
std::string_view line_of(std::string_view text, std::size_t line0);
/// The byte offset in `text` of an LSP position (clamped to the line's end and the text's end).
std::size_t offset_of(std::string_view text, std::size_t line0, std::size_t utf16_character);
/// UTF-16 code units in the first `bytes` bytes of `line`.
std::size_t utf16_length(std::string_view line, std::size_t bytes);

/// An LSP position for the parser's 1-based line and byte column (0 and 0 for "no position").
nlohmann::json position(std::string_view text, std::uint32_t line1, std::uint32_t column1);
/// The range of the token that starts at the parser's line and column: a name (with dots) or one
/// character; an empty range at the end of a line.
nlohmann::json token_range(std::string_view text, std::uint32_t line1, std::uint32_t column1);
/// The range of the whole text (to replace it).
nlohmann::json whole_range(std::string_view text);

inline bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace bandwatch::lsp
