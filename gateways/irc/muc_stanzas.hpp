#pragma once
// Builders for the XEP-0045 stanzas the room bridge sends: occupant presence with its
// muc#user item and status codes, join errors, groupchat messages with XEP-0359 ids, subjects
// and XEP-0203 delays.
#include "gateways/irc/channel.hpp"
#include "xmpp/element.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::irc {

struct OccupantItem {
  MucPrivilege privilege;
  std::string jid;       ///< the occupant's real JID (non-anonymous rooms); empty = left out
  std::string new_nick;  ///< for status 303
  std::string actor;     ///< who kicked, for 307
  std::string reason;
};

/// <presence from=occupant to=...><x muc#user><item .../><status code=.../></x></presence>
xmpp::Element occupant_presence(const std::string& from, const std::string& to, const OccupantItem& item,
                                const std::vector<int>& codes = {}, bool unavailable = false);

/// Adds <show/> and <status/> to a presence.
void add_show(xmpp::Element& presence, std::string_view show, std::string_view status);

/// The error answering a join: from the occupant JID asked for, with <x xmlns=muc/> and the
/// join's id.
xmpp::Element join_error(const std::string& from, const std::string& to, const std::string& id,
                         std::string_view condition, std::string_view text);

/// A type=error message from the room, for an IRC refusal that answers no one stanza (404:
/// a moderated channel refusing a line).
xmpp::Element room_error(const std::string& room, const std::string& to, std::string_view condition,
                         std::string_view text);

/// A type=groupchat message. `stanza_id` (with `room` as its "by") is added when not empty.
xmpp::Element groupchat(const std::string& from, const std::string& to, const std::string& body,
                        const std::string& id, const std::string& stanza_id, const std::string& room);

/// The room subject.
xmpp::Element subject_message(const std::string& from, const std::string& to, const std::string& subject);

/// Adds <delay xmlns=urn:xmpp:delay from=... stamp=.../>.
void add_delay(xmpp::Element& stanza, std::int64_t ts_ms, const std::string& from);

/// XEP-0082 stamp for milliseconds since the epoch.
std::string xep0082(std::int64_t ts_ms);
/// Parses an XEP-0082 DateTime into milliseconds since the epoch.
std::optional<std::int64_t> parse_xep0082(std::string_view stamp);

}  // namespace junction::irc
