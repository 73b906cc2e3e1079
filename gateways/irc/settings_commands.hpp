#pragma once
// XEP-0050 commands of the IRC gateway. "irc/configure" runs on the gateway JID (defaults for
// every network) or a network JID (that network only): nick, realname, SASL and NickServ
// credentials, charset fallback, commands after connecting, rooms to stay in while offline.
// Admins also get "irc/connections" (list) and "irc/drop" (QUIT one connection).
#include "gateways/irc/bridge.hpp"

#include <functional>
#include <string_view>
#include <vector>

namespace junction::irc {

inline constexpr std::string_view configure_node = "irc/configure";
inline constexpr std::string_view connections_node = "irc/connections";
inline constexpr std::string_view drop_node = "irc/drop";

class SettingsCommands {
 public:
  struct Hooks {
    /// After a network's settings changed (persistent rooms): user, network.
    std::function<void(const std::string&, const std::string&)> saved;
    /// Ends a connection, telling the user's rooms.
    std::function<void(NetworkSession&, const std::string& reason)> drop;
  };
  SettingsCommands(Bridge& bridge, Hooks hooks) : b_(bridge), hooks_(std::move(hooks)) {}

  std::vector<core::AdhocCommand> commands();

  // The steps, public for tests.
  core::CommandResponse configure(const core::CommandRequest& request);
  core::CommandResponse list_connections(const core::CommandRequest& request);
  core::CommandResponse drop_connection(const core::CommandRequest& request);

 private:
  xmpp::DataForm configure_form(const UserSettings& current, bool per_network, const std::string& scope) const;

  Bridge& b_;
  Hooks hooks_;
};

}  // namespace junction::irc
