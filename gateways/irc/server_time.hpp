#pragma once
// IRCv3 server-time: the "time" tag says when the server saw a message, which the gateway
// turns into a XEP-0203 delay stamp for history and replays.
#include "irc_message.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

using SysTime = std::chrono::system_clock::time_point;

/// Parses "YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)" as sent in the tag (the spec demands
/// milliseconds and 'Z'; offsets and other fraction lengths are accepted too).
std::optional<SysTime> parse_server_time(std::string_view iso);

/// The message's server-time tag, when present and valid.
std::optional<SysTime> message_time(const IrcMessage& msg);

/// XEP-0082 DateTime in UTC with milliseconds, e.g. "2024-05-01T12:34:56.789Z".
std::string format_xep0082(SysTime t);

}  // namespace junction::irc
