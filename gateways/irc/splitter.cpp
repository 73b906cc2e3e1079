#include "splitter.hpp"

#include <algorithm>

namespace junction::irc {
namespace {

constexpr std::size_t irc_line_max = 512;
constexpr std::size_t space_window = 30;

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes the code point starting at s[i], assuming it starts a sequence. Bytes that are not
// UTF-8 decode as themselves; only their boundaries matter here.
char32_t code_point_at(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + len > s.size()) return c;
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (b(i + k) & 0x3F);
  return cp;
}

// Code points that render as part of the one before them; a cut just before one would leave
// a dangling accent or break an emoji sequence apart.
bool attaches_to_previous(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) ||
         (cp >= 0x1F3FB && cp <= 0x1F3FF) || (cp >= 0xE0020 && cp <= 0xE007F) || (cp >= 0x20D0 && cp <= 0x20FF);
}

// Backs up over at most three continuation bytes: more than that is not UTF-8, and any
// boundary will do.
std::size_t start_of_code_point(std::string_view s, std::size_t i) {
  for (int k = 0; k < 3 && i > 0 && i < s.size() && is_continuation(static_cast<unsigned char>(s[i])); ++k) --i;
  return i;
}

std::size_t previous_code_point(std::string_view s, std::size_t i) { return i == 0 ? 0 : start_of_code_point(s, i - 1); }

// Where to cut `line` (longer than limit) so the first piece has at most `limit` bytes.
std::size_t choose_cut(std::string_view line, std::size_t limit) {
  std::size_t hard = start_of_code_point(line, limit);
  if (hard == 0) return limit;
  std::size_t floor = hard > space_window ? hard - space_window : 1;
  for (std::size_t i = hard; i >= floor; --i)
    if (line[i] == ' ') return i;
  std::size_t cut = hard;
  while (cut > floor && (attaches_to_previous(code_point_at(line, cut)) ||
                         code_point_at(line, previous_code_point(line, cut)) == 0x200D))
    cut = previous_code_point(line, cut);
  return cut > floor || !attaches_to_previous(code_point_at(line, cut)) ? cut : hard;
}

// The UTF-8 byte offset where the first `limit` wire bytes end: for a legacy charset each
// code point is one byte on the wire, however many it takes in UTF-8.
std::size_t byte_limit(std::string_view line, std::size_t limit, OutEncoding encoding) {
  if (encoding == OutEncoding::utf8) return limit;
  std::size_t offset = 0;
  for (std::size_t n = 0; n < limit && offset < line.size(); ++n) {
    std::size_t len = utf8_sequence_length(line.substr(offset));
    offset += len == 0 ? 1 : len;
  }
  return offset;
}

void split_line(std::string_view line, std::size_t limit, OutEncoding encoding, std::vector<std::string>& out) {
  while (encoded_size(line, encoding) > limit) {
    std::size_t cut = choose_cut(line, byte_limit(line, limit, encoding));
    out.emplace_back(line.substr(0, cut));
    line.remove_prefix(cut);
    // The space the cut was placed on separates the pieces; it need not start the next one.
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  }
  if (!line.empty()) out.emplace_back(line);
}

}  // namespace

SourceLengths assumed_source(std::size_t nicklen) { return SourceLengths{nicklen, 10, 63}; }

std::size_t payload_limit(const SourceLengths& source, std::string_view command, std::string_view target,
                          std::size_t overhead) {
  // ":" nick "!" user "@" host " " command " " target " :" text "\r\n"
  std::size_t fixed = 1 + source.nick + 1 + source.user + 1 + source.host + 1 + command.size() + 1 + target.size() +
                      2 + 2 + overhead;
  return fixed >= irc_line_max ? 0 : irc_line_max - fixed;
}

std::vector<std::string> split_message(std::string_view body, std::size_t limit, OutEncoding encoding) {
  limit = std::max<std::size_t>(limit, 4);
  std::vector<std::string> out;
  std::string line;
  auto flush = [&] {
    if (!line.empty()) split_line(line, limit, encoding, out);
    line.clear();
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\0') continue;
    if (c == '\r' || c == '\n') {
      flush();
      if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') ++i;
      continue;
    }
    line += c;
  }
  flush();
  return out;
}

}  // namespace junction::irc
