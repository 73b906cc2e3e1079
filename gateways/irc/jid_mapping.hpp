#pragma once
// Addressing: which IRC thing a JID at the gateway domain names, and the JID of an IRC thing.
//   #chan%network@domain[/Nick]   a channel as a MUC room, /Nick an occupant
//   nick%network@domain           an IRC user (private messages)
//   network@domain                the IRC server (notices in, raw commands out)
// With a fixed network the "%network" part is left out and the bare domain is the server.
// Channel and nick parts are XEP-0106 escaped; nodeprep folds them to lower case, which IRC
// (case-insensitive) does not mind.
#include "xmpp/jid.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

struct Address {
  enum class Kind { gateway, server, room, user };
  Kind kind = Kind::gateway;
  /// Network alias or host name as written in the JID (lower case); empty for the gateway.
  std::string network;
  /// The channel (with its '#') or the nick; empty for server and gateway.
  std::string name;
  /// For rooms: the occupant nick from the resource, if any.
  std::string occupant;
};

/// True when a name starts like a channel ('#', '&', '!' or '+').
bool looks_like_channel(std::string_view name);

class JidMapper {
 public:
  JidMapper(std::string domain, std::string fixed_network);

  /// nullopt when the JID is not at our domain or its node is malformed.
  std::optional<Address> parse(const xmpp::Jid& jid) const;

  /// Bare room JID as a string ("#chan%net@domain"); empty when it cannot be a JID.
  std::string room(std::string_view network, std::string_view channel) const;
  /// room + "/" + nick, resourceprep'd.
  std::string occupant(const std::string& room_jid, std::string_view nick) const;
  std::string user(std::string_view network, std::string_view nick) const;
  std::string server(std::string_view network) const;

  const std::string& domain() const { return domain_; }
  const std::string& fixed_network() const { return fixed_; }
  bool fixed() const { return !fixed_.empty(); }

 private:
  std::string node_for(std::string_view network, std::string_view name) const;

  std::string domain_;
  std::string fixed_;
};

}  // namespace junction::irc
