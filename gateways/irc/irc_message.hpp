#pragma once
// One IRC protocol message (RFC 1459/2812 framing plus IRCv3 message tags), parsed from a
// line without its CRLF and serialized back into one. Serializing refuses anything that
// would let a parameter change the meaning of the line (injection of CR/LF/NUL, spaces or a
// leading ':' in a middle parameter), so callers can pass user text as the final parameter.
#include "util/result.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

/// The parts of a "nick!user@host" source; user and host are empty when absent, and a
/// server name (no '!' or '@') lands in nick.
struct Prefix {
  std::string nick;
  std::string user;
  std::string host;
};

/// Splits a message source into nick, user and host.
Prefix split_prefix(std::string_view prefix);

struct IrcMessage {
  /// IRCv3 tags with unescaped values; a tag without '=' maps to "".
  std::map<std::string, std::string, std::less<>> tags;
  /// The source without its leading ':'; empty when the line had none.
  std::string prefix;
  /// Uppercased command, or a numeric reply as three digits ("001").
  std::string command;
  /// Middle parameters followed by the trailing one, with no ':' markers.
  std::vector<std::string> params;

  /// The wire form without CRLF, or an error when a field would corrupt the framing.
  Result<std::string> serialize() const;

  /// The nick part of the prefix ("" when there is no prefix).
  std::string nick() const { return split_prefix(prefix).nick; }
  /// Parameter i, or "" when absent: handlers read optional parameters without bounds checks.
  const std::string& param(std::size_t i) const;
  /// The value of a tag, if present.
  std::optional<std::string_view> tag(std::string_view key) const;
  /// True when command is a numeric reply.
  bool is_numeric() const;
};

/// Builds a message from a command and parameters (the command is uppercased).
IrcMessage make_message(std::string_view command, std::vector<std::string> params);

/// Parses one line (a trailing CR/LF is tolerated). Accepts runs of spaces between fields
/// and a last parameter without ':'; rejects empty lines and malformed commands.
Result<IrcMessage> parse(std::string_view line);

/// IRCv3 tag value escaping: ';' -> "\:", ' ' -> "\s", '\' -> "\\", CR -> "\r", LF -> "\n".
std::string escape_tag_value(std::string_view value);
/// The inverse; an unknown escape "\x" yields "x" and a lone trailing '\' is dropped.
std::string unescape_tag_value(std::string_view value);

}  // namespace junction::irc
