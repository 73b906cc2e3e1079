#include "quoted_printable.hpp"

namespace junction::email {
namespace {

constexpr std::size_t kMaxQpLine = 76;  // RFC 2045 6.7 rule 5, excluding the CRLF
constexpr char kHex[] = "0123456789ABCDEF";

void encode_line(std::string_view line, std::string& out) {
  std::size_t col = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    bool must = c == '=' || c >= 0x7f || (c < 0x20 && c != '\t') ||
                // Trailing white space is stripped by some gateways (rule 3).
                (last && (c == ' ' || c == '\t')) ||
                (i == 0 && c == '.') || (i == 0 && c == 'F' && line.substr(0, 5) == "From ");
    std::size_t width = must ? 3 : 1;
    // Leave room for the '=' of a soft break unless this is the line's last character.
    std::size_t limit = last ? kMaxQpLine : kMaxQpLine - 1;
    if (col + width > limit) {
      out.append("=\r\n");
      col = 0;
    }
    if (must) {
      out.push_back('=');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
    col += width;
  }
}

}  // namespace

std::string normalize_line_endings(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r') {
      out.append("\r\n");
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out.append("\r\n");
    } else if (c != '\0') {
      out.push_back(c);
    }
  }
  return out;
}

std::string encode_quoted_printable(std::string_view crlf_text) {
  std::string out;
  out.reserve(crlf_text.size() + crlf_text.size() / 8);
  std::size_t start = 0;
  while (start <= crlf_text.size()) {
    std::size_t end = crlf_text.find("\r\n", start);
    std::string_view line = crlf_text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    encode_line(line, out);
    if (end == std::string_view::npos) break;
    out.append("\r\n");
    start = end + 2;
  }
  return out;
}

bool fits_7bit(std::string_view crlf_text, std::size_t max_line) {
  std::size_t col = 0;
  for (std::size_t i = 0; i < crlf_text.size(); ++i) {
    auto c = static_cast<unsigned char>(crlf_text[i]);
    if (c == '\r' && i + 1 < crlf_text.size() && crlf_text[i + 1] == '\n') {
      col = 0;
      ++i;
      continue;
    }
    if (c >= 0x7f || (c < 0x20 && c != '\t')) return false;
    if (++col > max_line) return false;
  }
  return true;
}

}  // namespace junction::email
