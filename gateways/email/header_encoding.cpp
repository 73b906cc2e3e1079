#include "header_encoding.hpp"

#include "utf8.hpp"

namespace junction::email {
namespace {

constexpr std::size_t kPreferredLine = 78;
// Longest ASCII word we fold as is; above this an encoded-word split keeps lines under 998.
constexpr std::size_t kMaxPlainWord = 900;
// 42 bytes make 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is 68, so even the first word
// after "Subject: " fits in 78 columns (and under the 75-character limit of RFC 2047).
constexpr std::size_t kEncodedChunk = 42;

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

std::vector<std::string> split_spaces(std::string_view s) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) words.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return words;
}

bool is_atom_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

}  // namespace

std::string sanitize_header_text(std::string_view text) {
  std::string valid = to_valid_utf8(text);
  std::string out;
  out.reserve(valid.size());
  for (char ch : valid) {
    auto c = static_cast<unsigned char>(ch);
    bool space = c < 0x20 || c == 0x7f || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(ch);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> encode_words(std::string_view utf8) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < utf8.size()) {
    std::size_t end = i;
    while (end < utf8.size()) {
      std::size_t len = utf8_sequence_length(utf8, end);
      if (len == 0) len = 1;  // callers sanitize; this only guards against an endless loop
      if (end + len - i > kEncodedChunk) break;
      end += len;
    }
    words.push_back("=?UTF-8?B?" + base64(utf8.substr(i, end - i)) + "?=");
    i = end;
  }
  return words;
}

std::vector<std::string> phrase_tokens(std::string_view display_name) {
  std::string name = sanitize_header_text(display_name);
  if (name.empty()) return {};
  if (!printable_ascii(name)) return encode_words(name);
  // "=?" in a plain phrase would be decoded by readers as an encoded-word.
  bool atoms = name.find("=?") == std::string::npos;
  for (char c : name) {
    if (c != ' ' && !is_atom_char(c)) atoms = false;
  }
  if (atoms) return split_spaces(name);
  if (name.size() > kMaxPlainWord) return encode_words(name);
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return {quoted};
}

std::string unstructured_field(std::string_view name, std::string_view value) {
  std::string text = sanitize_header_text(value);
  std::vector<std::string> words = split_spaces(text);
  bool plain = printable_ascii(text) && text.find("=?") == std::string::npos;
  for (const auto& w : words) {
    if (w.size() > kMaxPlainWord) plain = false;
  }
  return fold_field(name, plain ? words : encode_words(text));
}

std::string fold_field(std::string_view name, const std::vector<std::string>& tokens) {
  std::string out(name);
  out.push_back(':');
  std::size_t line_len = out.size();
  for (const auto& token : tokens) {
    // Fold only where a line already carries a token; a folded line must not be empty.
    if (line_len + 1 + token.size() > kPreferredLine && line_len > name.size() + 1) {
      out.append("\r\n");
      line_len = 0;
    }
    out.push_back(' ');
    out.append(token);
    line_len += 1 + token.size();
  }
  out.append("\r\n");
  return out;
}

}  // namespace junction::email
