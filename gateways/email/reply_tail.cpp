#include "reply_tail.hpp"

#include <vector>

namespace junction::email {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = eol + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }
bool is_quoted(std::string_view line) { return !line.empty() && line.front() == '>'; }

bool is_signature_delimiter(std::string_view line) {
  // RFC 3676 4.3 says "-- "; many clients strip the trailing space on the way.
  return line == "-- " || line == "--";
}

bool is_outlook_separator(std::string_view line) {
  std::string_view t = trim(line);
  if (t.find("-----Original Message-----") != std::string_view::npos) return true;
  if (t.find("-----Ursprüngliche Nachricht-----") != std::string_view::npos) return true;
  // Outlook's underscore rule, written right above the quoted "From:" block.
  return t.size() >= 20 && t.find_first_not_of('_') == std::string_view::npos;
}

bool starts_attribution(std::string_view line) {
  std::string_view t = trim(line);
  for (std::string_view prefix : {"On ", "Am ", "Le ", "El ", "Il ", "Op ", "Den "}) {
    if (t.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

std::optional<QuotedTail> parse_quoted_tail(std::string_view setting) {
  if (setting == "keep") return QuotedTail::keep;
  if (setting == "trim") return QuotedTail::trim;
  return std::nullopt;
}

bool is_attribution_line(std::string_view line) {
  std::string_view t = trim(line);
  if (t.empty() || t.back() != ':') return false;
  for (std::string_view verb : {"wrote", "schrieb", "a écrit", "escribió", "ha scritto", "skrev", "schreef",
                                "napisał", "написал", "escreveu"}) {
    if (t.find(verb) != std::string_view::npos) return true;
  }
  return false;
}

std::string trim_reply_tail(std::string_view body, QuotedTail mode) {
  std::vector<std::string_view> lines = split_lines(body);
  if (mode == QuotedTail::trim) {
    std::size_t end = lines.size();
    for (std::size_t i = 0; i < end; ++i) {
      if (is_signature_delimiter(lines[i]) || is_outlook_separator(lines[i])) {
        end = i;
        break;
      }
    }
    // The trailing quote block, with blank lines mixed in.
    std::size_t cut = end;
    while (cut > 0 && (is_quoted(lines[cut - 1]) || is_blank(lines[cut - 1]))) --cut;
    bool had_quote = false;
    for (std::size_t i = cut; i < end; ++i) had_quote = had_quote || is_quoted(lines[i]);
    if (had_quote) {
      end = cut;
      if (end > 0 && is_attribution_line(lines[end - 1])) {
        --end;
        // Gmail wraps a long attribution: "On Mon, ... at 10:00 Bob <bob@x>" / "wrote:".
        if (!starts_attribution(lines[end]) && end > 0 && starts_attribution(lines[end - 1])) --end;
      }
    }
    while (end > 0 && is_blank(lines[end - 1])) --end;
    bool has_text = false;
    for (std::size_t i = 0; i < end; ++i) has_text = has_text || !is_blank(lines[i]);
    if (has_text) lines.resize(end);
  }
  std::string out;
  for (auto line : lines) {
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

}  // namespace junction::email
