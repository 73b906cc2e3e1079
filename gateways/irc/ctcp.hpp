#pragma once
// CTCP (Client-To-Client Protocol) as IRC clients use it today: \x01-delimited requests inside
// PRIVMSG, replies inside NOTICE. Only ACTION maps to chat ("/me"); the few queries every
// client answers get automatic replies so the gateway's users look like ordinary clients.
#include "irc_message.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

struct Ctcp {
  std::string command;  ///< Uppercased, e.g. "ACTION", "VERSION".
  std::string params;   ///< Everything after the first space, possibly empty.
};

/// Parses a PRIVMSG/NOTICE text that starts with \x01; the closing \x01 is optional because
/// some clients omit it.
std::optional<Ctcp> parse_ctcp(std::string_view text);

/// "\x01COMMAND params\x01" (no space when params is empty).
std::string make_ctcp(std::string_view command, std::string_view params = {});

/// IRC text to chat body: "\x01ACTION waves\x01" becomes "/me waves", anything else is returned
/// unchanged.
std::string action_to_me(std::string_view irc_text);

/// Chat body to IRC text: "/me waves" becomes "\x01ACTION waves\x01".
std::string me_to_action(std::string_view body);

/// True for a body starting with "/me " (what XEP-0245 calls a /me command).
bool is_me_command(std::string_view body);

struct CtcpIdentity {
  std::string version = "Junction";
};

/// For a PRIVMSG carrying a CTCP VERSION, PING, TIME or CLIENTINFO request, the NOTICE reply
/// addressed to the sender; nothing for other messages or CTCPs (ACTION is not a request).
std::optional<IrcMessage> ctcp_reply(const IrcMessage& msg, const CtcpIdentity& identity,
                                     std::chrono::system_clock::time_point now);

}  // namespace junction::irc
