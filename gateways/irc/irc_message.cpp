#include "irc_message.hpp"

#include <algorithm>

namespace junction::irc {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_valid_command(std::string_view cmd) {
  if (cmd.size() == 3 && std::all_of(cmd.begin(), cmd.end(), is_digit)) return true;
  return !cmd.empty() && std::all_of(cmd.begin(), cmd.end(), is_alpha);
}

bool has_line_breaker(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void skip_spaces(std::string_view line, std::size_t& pos) {
  while (pos < line.size() && line[pos] == ' ') ++pos;
}

std::string_view next_token(std::string_view line, std::size_t& pos) {
  std::size_t end = line.find(' ', pos);
  if (end == std::string_view::npos) end = line.size();
  std::string_view token = line.substr(pos, end - pos);
  pos = end;
  return token;
}

void parse_tags(std::string_view raw, IrcMessage& msg) {
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find(';', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view item = raw.substr(start, end - start);
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      std::string key(item.substr(0, eq));
      std::string value = eq == std::string_view::npos ? std::string() : unescape_tag_value(item.substr(eq + 1));
      // The spec says the last occurrence of a duplicated key wins.
      if (!key.empty()) msg.tags[std::move(key)] = std::move(value);
    }
    start = end + 1;
  }
}

bool is_valid_tag_key(std::string_view key) {
  if (key.empty()) return false;
  return key.find_first_of(std::string_view(" =;\r\n\0", 6)) == std::string_view::npos;
}

}  // namespace

Prefix split_prefix(std::string_view prefix) {
  Prefix out;
  std::size_t bang = prefix.find('!');
  std::size_t at = prefix.find('@', bang == std::string_view::npos ? 0 : bang);
  std::size_t nick_end = std::min(bang, at);
  out.nick = std::string(prefix.substr(0, nick_end));
  if (bang != std::string_view::npos) out.user = std::string(prefix.substr(bang + 1, at == std::string_view::npos ? std::string_view::npos : at - bang - 1));
  if (at != std::string_view::npos) out.host = std::string(prefix.substr(at + 1));
  return out;
}

const std::string& IrcMessage::param(std::size_t i) const {
  static const std::string empty;
  return i < params.size() ? params[i] : empty;
}

std::optional<std::string_view> IrcMessage::tag(std::string_view key) const {
  auto it = tags.find(key);
  if (it == tags.end()) return std::nullopt;
  return std::string_view(it->second);
}

bool IrcMessage::is_numeric() const { return command.size() == 3 && std::all_of(command.begin(), command.end(), is_digit); }

IrcMessage make_message(std::string_view command, std::vector<std::string> params) {
  IrcMessage msg;
  msg.command = upper(command);
  msg.params = std::move(params);
  return msg;
}

std::string escape_tag_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case ';': out += "\\:"; break;
      case ' ': out += "\\s"; break;
      case '\\': out += "\\\\"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape_tag_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\') {
      out += value[i];
      continue;
    }
    if (++i == value.size()) break;
    switch (value[i]) {
      case ':': out += ';'; break;
      case 's': out += ' '; break;
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      default: out += value[i];
    }
  }
  return out;
}

Result<IrcMessage> parse(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  IrcMessage msg;
  std::size_t pos = 0;
  skip_spaces(line, pos);
  if (pos == line.size()) return fail("empty IRC line");
  if (line[pos] == '@') {
    ++pos;
    parse_tags(next_token(line, pos), msg);
    skip_spaces(line, pos);
  }
  if (pos < line.size() && line[pos] == ':') {
    ++pos;
    msg.prefix = std::string(next_token(line, pos));
    skip_spaces(line, pos);
  }
  std::string_view command = next_token(line, pos);
  if (command.empty()) return fail("IRC line without a command");
  if (!is_valid_command(command)) return fail("invalid IRC command");
  msg.command = upper(command);
  for (;;) {
    skip_spaces(line, pos);
    if (pos >= line.size()) break;
    if (line[pos] == ':') {
      msg.params.emplace_back(line.substr(pos + 1));
      break;
    }
    msg.params.emplace_back(next_token(line, pos));
  }
  return msg;
}

Result<std::string> IrcMessage::serialize() const {
  std::string out;
  if (!tags.empty()) {
    out += '@';
    bool first = true;
    for (const auto& [key, value] : tags) {
      if (!is_valid_tag_key(key)) return fail("invalid IRC tag key");
      if (value.find('\0') != std::string::npos) return fail("NUL in IRC tag value");
      if (!first) out += ';';
      first = false;
      out += key;
      if (!value.empty()) {
        out += '=';
        out += escape_tag_value(value);
      }
    }
    out += ' ';
  }
  if (!prefix.empty()) {
    if (has_line_breaker(prefix) || prefix.find(' ') != std::string::npos) return fail("invalid IRC prefix");
    out += ':';
    out += prefix;
    out += ' ';
  }
  if (!is_valid_command(command)) return fail("invalid IRC command");
  out += command;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string& p = params[i];
    if (has_line_breaker(p)) return fail("CR, LF or NUL in IRC parameter");
    out += ' ';
    bool last = i + 1 == params.size();
    bool needs_colon = p.empty() || p.front() == ':' || p.find(' ') != std::string::npos;
    if (needs_colon) {
      if (!last) return fail("IRC middle parameter is empty, has a space or starts with ':'");
      out += ':';
    }
    out += p;
  }
  return out;
}

}  // namespace junction::irc
