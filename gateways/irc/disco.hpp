#pragma once
// Service discovery (XEP-0030) for the JIDs the gateway serves besides its domain: networks
// answer as conference services, rooms as non-anonymous IRC rooms with MAM, occupants and
// users fall to the host's default (a client).
#include "gateways/irc/bridge.hpp"

#include <optional>
#include <vector>

namespace junction::irc {

/// Features of the gateway domain beyond the host's own.
std::vector<std::string> gateway_features(const Bridge& b);

std::optional<core::DiscoInfo> disco_info_for(Bridge& b, const xmpp::Jid& from, const Address& to);
/// A network lists the rooms the user is in; a room lists its occupants to a member.
std::vector<core::DiscoItem> disco_items_for(Bridge& b, const xmpp::Jid& from, const Address& to);

/// The commands a network JID offers (disco#items node=commands), answered by the gateway.
xmpp::Element network_command_list(const xmpp::Element& iq, const xmpp::Jid& to);

}  // namespace junction::irc
