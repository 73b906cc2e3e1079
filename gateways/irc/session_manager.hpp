#pragma once
// Every user's IRC sessions: opened on the first join or private message, closed with QUIT
// once idle for the grace period, dropped when the link fails. Link events are routed back
// to the session that owns the link (a serial number tells a late event from a stale link
// apart from one for a newer session of the same user and network).
#include "gateways/irc/gateway_options.hpp"
#include "gateways/irc/irc_link.hpp"
#include "gateways/irc/network_session.hpp"
#include "gateways/irc/user_settings.hpp"
#include "util/result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace junction::irc {

class SessionManager {
 public:
  struct Hooks {
    std::function<void(NetworkSession&)> on_registered;
    std::function<void(NetworkSession&, const IrcMessage&)> on_message;
    /// The link failed (before registration) or was lost; the session is removed afterwards.
    std::function<void(NetworkSession&, const std::string& reason, bool failed)> on_lost;
  };

  SessionManager(asio::io_context& io, IrcLinkFactory factory, const SettingsRepository& settings, Hooks hooks);

  void set_options(const GatewayOptions* options) { options_ = options; }

  NetworkSession* find(const std::string& user, const std::string& network);
  /// The session, opened and connecting when there was none. Fails for an unknown network.
  Result<NetworkSession*> open(const std::string& user, const std::string& network, const std::string& wanted_nick);
  std::vector<NetworkSession*> of_user(const std::string& user);
  std::vector<NetworkSession*> all();

  /// Activity: an armed grace timer is cancelled.
  void touch(NetworkSession& session) { session.cancel_grace(); }
  /// Arms the grace timer when the session is in no channel; it QUITs when it fires and the
  /// session is still idle.
  void idle(NetworkSession& session);
  /// QUIT now; the session is gone from find() at once; `after` runs once it has left.
  void close(NetworkSession& session, const std::string& reason, std::function<void()> after = {});
  /// QUIT everywhere, then done.
  void close_all(const std::string& reason, std::function<void()> done);

  std::size_t size() const { return sessions_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;
  NetworkSession* find_serial(const Key& key, std::uint64_t serial);
  void lost(const Key& key, std::uint64_t serial, const std::string& reason, bool failed);
  std::unique_ptr<NetworkSession> detach(NetworkSession& session);
  void dispose(std::unique_ptr<NetworkSession> session);

  asio::io_context& io_;
  IrcLinkFactory factory_;
  const SettingsRepository& settings_;
  Hooks hooks_;
  const GatewayOptions* options_ = nullptr;
  std::map<Key, std::unique_ptr<NetworkSession>> sessions_;
  std::map<std::uint64_t, std::unique_ptr<NetworkSession>> closing_;
  std::uint64_t next_serial_ = 1;
};

}  // namespace junction::irc
