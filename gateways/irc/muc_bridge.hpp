#pragma once
// IRC channels as XEP-0045 rooms, for one gateway. The class is split across files by
// concern: muc_join.cpp (joining and leaving, join errors, the member list),
// muc_events.cpp (what other people do on IRC: join, part, quit, kick, nick, mode, topic,
// away, channel modes), muc_messages.cpp (groupchat both ways, subject changes). Room
// listing (room_listing) and muc#admin (room_admin) are parts of their own it owns.
// Everything runs on the loop thread.
#include "gateways/irc/bridge.hpp"
#include "gateways/irc/muc_stanzas.hpp"
#include "gateways/irc/room_admin.hpp"
#include "gateways/irc/room_listing.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace junction::irc {

class MucBridge {
 public:
  explicit MucBridge(Bridge& bridge) : b_(bridge), listing_(bridge), admin_(bridge) {}

  // ---- from XMPP ----
  /// Presence to a room occupant JID: join, nick change, status change, or leave.
  void on_presence(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to);
  /// A groupchat message (body or subject) to a room.
  void on_groupchat(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to);
  /// muc#admin: lists (get) and kick, ban, voice, op (set). True when handled.
  bool on_admin_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& to) {
    return admin_.on_iq(iq, from, to);
  }
  RoomListing& listing() { return listing_; }
  const RoomListing& listing() const { return listing_; }
  RoomAdmin& admin() { return admin_; }
  /// A resource of the user went offline: it leaves every room.
  void resource_gone(const std::string& user, const std::string& full);
  /// The rooms that stay joined while the user is offline: joins the new ones, and leaves
  /// those no longer listed that no resource is in.
  void set_persistent(NetworkSession& session, const std::vector<std::string>& rooms);

  // ---- from IRC (through the dispatch table) ----
  void irc_join(NetworkSession& s, const IrcMessage& m);
  void irc_part(NetworkSession& s, const IrcMessage& m);
  void irc_quit(NetworkSession& s, const IrcMessage& m);
  void irc_kick(NetworkSession& s, const IrcMessage& m);
  void irc_nick(NetworkSession& s, const IrcMessage& m);
  void irc_mode(NetworkSession& s, const IrcMessage& m);
  /// 324 RPL_CHANNELMODEIS: true when it was about a channel of the session.
  bool rpl_channel_modes(NetworkSession& s, const IrcMessage& m);
  /// 404 ERR_CANNOTSENDTOCHAN (+m without voice, a ban): an error from the room to every
  /// joined resource; true when it was about a channel of the session.
  bool irc_cannot_send(NetworkSession& s, const IrcMessage& m);
  void irc_topic(NetworkSession& s, const IrcMessage& m);
  void irc_away(NetworkSession& s, const IrcMessage& m);
  void irc_channel_text(NetworkSession& s, const IrcMessage& m);
  void rpl_topic(NetworkSession& s, const IrcMessage& m);
  void rpl_topic_who(NetworkSession& s, const IrcMessage& m);
  void rpl_names(NetworkSession& s, const IrcMessage& m);
  void rpl_end_of_names(NetworkSession& s, const IrcMessage& m);
  /// 403, 405, 471, 473, 474, 475, 476, 477: true when it answered a pending join.
  bool irc_join_error(NetworkSession& s, const IrcMessage& m);
  /// The link is gone for good: pending joins get an error, joined resources leave (332).
  void link_lost(NetworkSession& s, const std::string& reason, bool failed);
  /// The link dropped and will be reconnected: joined resources leave (332) and wait as
  /// pending joins, answered in full (occupants, self-presence, subject) after the rejoin.
  void link_down(NetworkSession& s, const std::string& reason);
  /// Whether a room still wants this session's network (persistent, or someone in it).
  bool wants_reconnect(const NetworkSession& s) const;
  /// Registered again after a drop: JOIN every channel the session holds.
  void join_channels(NetworkSession& s);

 private:
  // muc_join.cpp
  void join(const xmpp::Element& stanza, const xmpp::Jid& from, const Address& to);
  void send_join(NetworkSession& s, Channel& c);
  void join_when_registered(NetworkSession& s, const std::string& name);
  void leave(const xmpp::Jid& from, const Address& to);
  void complete_join(NetworkSession& s, Channel& c, const PendingJoin& join);
  void send_subject(NetworkSession& s, Channel& c, const std::string& resource);
  xmpp::Element subject_for(const Channel& c, const std::string& resource) const;
  void send_history_then_subject(NetworkSession& s, Channel& c, const PendingJoin& join);
  void part_if_unused(NetworkSession& s, Channel& c);
  void forget_channel(NetworkSession& s, const std::string& name);

  // muc_events.cpp
  OccupantItem item_for(NetworkSession& s, const Channel& c, const Member& m) const;
  /// Presence for members whose role or affiliation may have changed: the nicks given, and
  /// everyone without a status when +m came or went.
  void announce_privileges(NetworkSession& s, Channel& c, std::vector<std::string> nicks, bool was_moderated);
  void broadcast(Channel& c, const xmpp::Element& stanza);
  void member_presence(NetworkSession& s, Channel& c, const Member& m, const std::vector<int>& codes = {});
  void self_left(NetworkSession& s, Channel& c, const std::vector<int>& codes, const std::string& actor,
                 const std::string& reason);

  // muc_messages.cpp
  void archive(NetworkSession& s, Channel& c, const std::string& id, const std::string& nick, const std::string& body,
               std::int64_t ts_ms);

  Bridge& b_;
  RoomListing listing_;
  RoomAdmin admin_;
  // Resources whose join history is still being read (room JID, resource): what the room
  // sends them meanwhile waits here, so nothing overtakes the history or the subject.
  std::map<std::pair<std::string, std::string>, std::vector<xmpp::Element>> replaying_;
};

/// Sends a chat body as PRIVMSGs ("/me" as CTCP ACTION), one per line, split to fit.
void send_body(IrcLink& link, const std::string& target, const std::string& body);

/// XEP-0045 error condition for an IRC join failure numeric; empty when it is not one.
std::string_view join_error_condition(std::string_view numeric);

}  // namespace junction::irc
