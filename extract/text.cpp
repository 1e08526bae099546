#include "text.hpp"

#include <cstdint>

namespace bandwatch::extract {
namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Windows-1252 0x80..0x9F as Unicode code points (0 = unassigned); 0xA0..0xFF are Latin-1.
constexpr std::uint16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_code_point(std::string& out, std::uint32_t cp) {
  // The substitutions that make the same name compare equal however it was typed.
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B: case 0x2032: out.push_back('\''); return;
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2033: out.push_back('"'); return;
    case 0x00A0: out.push_back(' '); return;
    default: break;
  }
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when it is not valid UTF-8.
std::size_t decode_utf8(std::string_view text, std::size_t i, std::uint32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  std::size_t length = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  cp = c & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values past Unicode are not valid UTF-8.
  if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return length;
}

}  // namespace

std::string_view trim(std::string_view text) {
  // Most cells have nothing to trim: two byte checks and done.
  auto plain = [](char c) { return static_cast<unsigned char>(c) > ' ' && c != '\xC2' && c != '\xA0'; };
  if (text.empty() || (plain(text.front()) && plain(text.back()))) return text;
  for (;;) {
    if (!text.empty() && is_space(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    } else if (text.size() >= 2 && text[0] == '\xC2' && text[1] == '\xA0') {
      text.remove_prefix(2);
    } else {
      break;
    }
  }
  for (;;) {
    if (!text.empty() && is_space(static_cast<unsigned char>(text.back()))) {
      text.remove_suffix(1);
    } else if (text.size() >= 2 && text[text.size() - 2] == '\xC2' && text.back() == '\xA0') {
      text.remove_suffix(2);
    } else {
      break;
    }
  }
  return text;
}

bool is_blank(std::string_view text) { return trim(text).empty(); }

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string header_key(std::string_view header) {
  std::string key;
  key.reserve(header.size());
  for (char c : header) {
    char l = lower(c);
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9')) key.push_back(l);
  }
  return key;
}

void append_normalised(std::string& out, std::string_view text) {
  if (is_ascii(text)) {
    out.append(text);
    return;
  }
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    if (std::size_t length = decode_utf8(text, i, cp)) {
      append_code_point(out, cp);
      i += length;
      continue;
    }
    // Not UTF-8: one Windows-1252 byte.
    cp = c >= 0xA0 ? c : kCp1252High[c - 0x80];
    append_code_point(out, cp != 0 ? cp : 0xFFFD);
    ++i;
  }
}

std::string normalised(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_normalised(out, text);
  return out;
}

std::string_view code_of(std::string_view text) {
  text = trim(text);
  std::size_t end = text.size();
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ')' || c == ':') {
      end = i;
      break;
    }
    if (c == ' ' && i + 2 < text.size() && text[i + 1] == '-' && text[i + 2] == ' ') {
      end = i;
      break;
    }
  }
  return trim(text.substr(0, end));
}

namespace {
bool equal_ignoring_ascii_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}
}  // namespace

bool text_equal(std::string_view a, std::string_view b) {
  a = trim(a);
  b = trim(b);
  if (is_ascii(a) && is_ascii(b)) return equal_ignoring_ascii_case(a, b);
  return equal_ignoring_ascii_case(normalised(a), normalised(b));
}

}  // namespace bandwatch::extract
