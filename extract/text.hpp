// Text helpers for messy spreadsheet exports: trimming, header-name normalisation, curly quotes,
// Windows-1252 repair, and the `code()` of Annex A values such as "N1 - Abuse or neglect".
// Internal to extract/.
#pragma once

#include <string>
#include <string_view>

namespace bandwatch::extract {

/// `text` without leading and trailing ASCII whitespace (space, tab, CR, LF) or no-break spaces.
std::string_view trim(std::string_view text);

/// True when `text` holds nothing but whitespace.
bool is_blank(std::string_view text);

/// The key two headers are compared by: lower-case ASCII letters and digits only, so case,
/// spaces, punctuation, curly quotes and other non-ASCII symbols make no difference
/// ("Child’s Unique ID " and "childs unique id" give "childsuniqueid").
std::string header_key(std::string_view header);

/// Appends `text` to `out` as clean UTF-8: curly single and double quotes become straight ones,
/// no-break spaces become spaces, and bytes that are not valid UTF-8 are read as Windows-1252
/// (what Excel writes for "CSV (Comma delimited)") rather than passed on broken.
void append_normalised(std::string& out, std::string_view text);
std::string normalised(std::string_view text);

/// The code at the front of a coded value: the text before the first `)`, `:` or ` - `
/// ("a) Yes" -> "a", "N1 - Abuse or neglect" -> "N1", "E1: Placement order" -> "E1"), trimmed.
/// A value with none of these separators is its own code.
std::string_view code_of(std::string_view text);

/// Case-insensitive (ASCII) equality after normalisation, for `in (...)` lists and `==` on text.
bool text_equal(std::string_view a, std::string_view b);

/// True when every byte is ASCII (the fast path: nothing to normalise).
bool is_ascii(std::string_view text);

}  // namespace bandwatch::extract
