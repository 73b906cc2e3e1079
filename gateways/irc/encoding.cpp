#include "encoding.hpp"

#include <algorithm>

namespace junction::irc {
namespace {

constexpr char32_t replacement = 0xFFFD;

// Windows-1252 for 0x80..0x9F; the five unassigned bytes decode to U+FFFD so they read as
// "unknown" rather than as invisible C1 controls.
constexpr char32_t cp1252_high[32] = {
    0x20AC, replacement, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030,      0x0160, 0x2039, 0x0152, replacement, 0x017D, replacement,
    replacement, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122,      0x0161, 0x203A, 0x0153, replacement, 0x017E, 0x0178,
};

char32_t decode_legacy(unsigned char byte, Fallback fallback) {
  if (fallback == Fallback::cp1252 && byte >= 0x80 && byte <= 0x9F) return cp1252_high[byte - 0x80];
  return byte;
}

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; });
  return out;
}

}  // namespace

std::optional<Fallback> parse_fallback(std::string_view name) {
  std::string n = lower_ascii(name);
  if (n == "cp1252" || n == "windows-1252") return Fallback::cp1252;
  if (n == "latin1" || n == "latin-1" || n == "iso-8859-1") return Fallback::latin1;
  return std::nullopt;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  // Ranges from the Unicode well-formed byte sequence table (Table 3-7): the second byte's
  // bounds exclude overlongs, surrogates and code points past U+10FFFF.
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < len; ++i)
    if (!is_continuation(b(i))) return 0;
  return len;
}

bool is_valid_utf8(std::string_view s) {
  while (!s.empty()) {
    std::size_t n = utf8_sequence_length(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string xml_safe(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    unsigned char c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x20) {
      if (c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      ++i;
      continue;
    }
    // U+FFFE and U+FFFF are EF BF BE / EF BF BF.
    if (c == 0xEF && i + 2 < utf8.size() && static_cast<unsigned char>(utf8[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(utf8[i + 2]) & 0xFE) == 0xBE) {
      append_utf8(out, replacement);
      i += 3;
      continue;
    }
    out += static_cast<char>(c);
    ++i;
  }
  return out;
}

std::optional<OutEncoding> parse_out_encoding(std::string_view name) {
  std::string n = lower_ascii(name);
  if (n == "utf-8" || n == "utf8") return OutEncoding::utf8;
  if (auto legacy = parse_fallback(n)) return *legacy == Fallback::latin1 ? OutEncoding::latin1 : OutEncoding::cp1252;
  return std::nullopt;
}

namespace {

// The byte a legacy charset uses for a code point; nullopt when it has none.
std::optional<unsigned char> encode_legacy(char32_t cp, OutEncoding encoding) {
  if (cp < 0x80) return static_cast<unsigned char>(cp);
  if (encoding == OutEncoding::cp1252) {
    // 0x80..0x9F carry typographic characters in cp1252, not C1 controls.
    for (unsigned i = 0; i < 32; ++i)
      if (cp1252_high[i] == cp && cp != replacement) return static_cast<unsigned char>(0x80 + i);
    if (cp >= 0xA0 && cp <= 0xFF) return static_cast<unsigned char>(cp);
    return std::nullopt;
  }
  if (cp <= 0xFF) return static_cast<unsigned char>(cp);
  return std::nullopt;
}

char32_t decode_sequence(std::string_view s, std::size_t len) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  char32_t cp = len == 1 ? b(0) : len == 2 ? (b(0) & 0x1F) : len == 3 ? (b(0) & 0x0F) : (b(0) & 0x07);
  for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (b(i) & 0x3F);
  return cp;
}

}  // namespace

std::string encode_out(std::string_view utf8, OutEncoding encoding) {
  if (encoding == OutEncoding::utf8) return std::string(utf8);
  std::string out;
  out.reserve(utf8.size());
  while (!utf8.empty()) {
    std::size_t n = utf8_sequence_length(utf8);
    if (n == 0) {
      out += '?';
      utf8.remove_prefix(1);
      continue;
    }
    auto byte = encode_legacy(decode_sequence(utf8, n), encoding);
    out += byte ? static_cast<char>(*byte) : '?';
    utf8.remove_prefix(n);
  }
  return out;
}

std::size_t encoded_size(std::string_view utf8, OutEncoding encoding) {
  if (encoding == OutEncoding::utf8) return utf8.size();
  std::size_t count = 0;
  while (!utf8.empty()) {
    std::size_t n = utf8_sequence_length(utf8);
    utf8.remove_prefix(n == 0 ? 1 : n);
    ++count;
  }
  return count;
}

std::string decode(std::string_view raw, Fallback fallback) {
  std::string decoded;
  decoded.reserve(raw.size() + raw.size() / 4);
  while (!raw.empty()) {
    std::size_t n = utf8_sequence_length(raw);
    if (n > 0) {
      decoded.append(raw.substr(0, n));
      raw.remove_prefix(n);
    } else {
      append_utf8(decoded, decode_legacy(static_cast<unsigned char>(raw.front()), fallback));
      raw.remove_prefix(1);
    }
  }
  return decoded;
}

std::string to_utf8(std::string_view raw, Fallback fallback) { return xml_safe(decode(raw, fallback)); }

}  // namespace junction::irc
