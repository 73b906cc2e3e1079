#pragma once
// IRC users and servers as contacts. Private messages go to nick%network@domain (or an
// occupant JID) and always come back from nick%network@domain; the server JID shows notices
// and numerics and takes raw IRC lines; XMPP presence maps to AWAY.
#include "gateways/irc/away_state.hpp"
#include "gateways/irc/bridge.hpp"

#include <string>

namespace junction::irc {

class PrivateChat {
 public:
  explicit PrivateChat(Bridge& bridge) : b_(bridge) {}

  // ---- from XMPP ----
  /// A chat message to an IRC user (or an occupant: `to.occupant` is the nick).
  void to_user(const xmpp::Element& stanza, const xmpp::Jid& from, const std::string& network, const std::string& nick);
  /// A message to the server JID: its body is one raw IRC line.
  void to_server(const xmpp::Element& stanza, const xmpp::Jid& from, const std::string& network);
  /// Presence from the user (to the gateway, a contact or a room): the user is away on IRC
  /// only when none of their online resources is available (see AwayState).
  void user_presence(const xmpp::Element& stanza, const xmpp::Jid& from);
  /// A resource went offline: the away state follows the resources still online.
  void resource_gone(const xmpp::Jid& full);

  // ---- from IRC ----
  /// PRIVMSG or NOTICE not to a channel.
  void irc_private_text(NetworkSession& s, const IrcMessage& m);
  void irc_invite(NetworkSession& s, const IrcMessage& m);
  /// Numerics and server lines nobody else handles: shown from the server JID.
  void server_text(NetworkSession& s, const IrcMessage& m);
  void motd_line(NetworkSession& s, const IrcMessage& m);
  void motd_end(NetworkSession& s, const IrcMessage& m);
  /// Once registered: the away state the user already has.
  void registered(NetworkSession& s);

 private:
  void chat(const std::string& from, const std::string& to, const std::string& body);
  void apply_away(NetworkSession& s, const std::string& away);
  void away_changed(const std::string& user);

  Bridge& b_;
  std::map<std::string, AwayState> presence_;  // user -> their online resources
  std::map<std::string, std::string> away_;    // user -> AWAY text wanted ("" = present)
};

}  // namespace junction::irc
