#pragma once
// A user's IRC settings, per network and as defaults for every network, kept in the store's
// key/value rows: nick, realname, SASL and NickServ credentials, a TLS client certificate,
// the charset fallback, commands to send once connected, and the rooms to stay in while
// offline.
#include "gateways/irc/network_config.hpp"
#include "store/repositories.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace junction::irc {

struct UserSettings {
  std::string nick;
  std::string realname;
  std::string sasl_mechanism;  ///< "", PLAIN or EXTERNAL
  std::string sasl_user;
  std::string sasl_password;
  std::string nickserv_password;
  /// The user's TLS client certificate and key (PEM text, checked when saved); presented
  /// instead of the network's certificate (CertFP, SASL EXTERNAL).
  std::string client_certificate;
  std::string encoding;  ///< "", cp1252 or latin1
  std::vector<std::string> on_connect;
  std::vector<std::string> persistent_rooms;  ///< channel names, per network only
};

/// Scope of defaults that apply to every network.
inline constexpr std::string_view all_networks = "*";

class SettingsRepository {
 public:
  SettingsRepository(store::KeyValueRepository& kv, std::string gateway) : kv_(kv), gateway_(std::move(gateway)) {}

  /// Values stored for one scope (a network or all_networks), nothing merged.
  UserSettings load_scope(const std::string& user, std::string_view scope) const;
  /// Per-network values over the user's defaults.
  UserSettings effective(const std::string& user, const std::string& network) const;
  Result<void> save_scope(const std::string& user, std::string_view scope, const UserSettings& settings);

  /// (user, network) pairs that have persistent rooms, for start-up.
  std::vector<std::pair<std::string, std::string>> users_with_persistent_rooms() const;

 private:
  store::KeyValueRepository& kv_;
  std::string gateway_;
};

/// The identity to connect with: settings first, then the nick the user joined with, then
/// the node of their JID.
UserIdentity identity_for(const UserSettings& settings, const std::string& user_bare, const std::string& wanted_nick,
                          const std::string& default_realname);

/// Newline-separated lines, trimmed, empty ones dropped.
std::vector<std::string> split_lines(std::string_view text);
std::string join_lines(const std::vector<std::string>& lines);

}  // namespace junction::irc
