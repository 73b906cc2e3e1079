#pragma once
// Service discovery (XEP-0030) for the JIDs the gateway serves besides its domain: networks
// answer as conference services (their rooms are listed by room_listing, with IRC LIST), rooms
// as non-anonymous IRC rooms with MAM and what their known modes say, occupants and users fall
// to the host's default (a client).
#include "gateways/irc/bridge.hpp"
#include "gateways/irc/room_listing.hpp"

#include <optional>
#include <vector>

namespace junction::irc {

/// Features of the gateway domain beyond the host's own.
std::vector<std::string> gateway_features(const Bridge& b);

/// `listing` adds what the user's last channel list said (occupants) about rooms not joined.
std::optional<core::DiscoInfo> disco_info_for(Bridge& b, const RoomListing& listing, const xmpp::Jid& from,
                                              const Address& to);
/// The gateway domain lists the configured networks; a room lists its occupants to a member.
/// (A network's rooms are answered asynchronously by RoomListing.)
std::vector<core::DiscoItem> disco_items_for(Bridge& b, const xmpp::Jid& from, const Address& to);

/// XEP-0045 disco#info features for a channel's modes; none while they are unknown.
std::vector<std::string> mode_features(const ChannelModes& modes);

/// The commands a network JID offers (disco#items node=commands), answered by the gateway.
xmpp::Element network_command_list(const xmpp::Element& iq, const xmpp::Jid& to);

}  // namespace junction::irc
