#pragma once
// The IRC gateway's own configuration keys: read from [gateways.NAME] (and its
// networks.ALIAS sub-tables) into plain values, and checked for `junction --check-config`.
#include "core/gateway.hpp"
#include "gateways/irc/network_config.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace junction::irc {

struct GatewayOptions {
  /// Network aliases usable in JIDs, by lower-cased alias.
  std::map<std::string, NetworkConfig> networks;
  /// Single-network mode: "#chan@domain" and "nick@domain".
  std::string fixed_network;
  /// Lets "server" in a JID be any host name, not only a configured alias.
  bool allow_any_server = false;
  /// How long an unused connection stays up before QUIT.
  std::chrono::seconds grace{30};
  bool history_enabled = true;
  int history_days = 30;
  /// Messages replayed on join when the client sends no <history/>.
  int history_on_join = 20;
  /// Defaults for users who set nothing.
  std::string default_realname = "Junction user";

  /// The network behind a JID's server part: an alias, or a host when allowed.
  std::optional<NetworkConfig> network(const std::string& server) const;
};

/// Reads the section; assumes validate_options() found no fatal problem (bad values fall back
/// to defaults).
GatewayOptions read_options(const toml::table& section);

std::vector<core::ConfigProblem> validate_options(const toml::table& section);

/// The keys of [gateways.NAME] this kind accepts.
std::set<std::string> option_keys();

}  // namespace junction::irc
