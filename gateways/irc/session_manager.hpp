#pragma once
// Every user's IRC sessions: opened on the first join or private message, closed with QUIT
// once idle for the grace period, reconnected after an unexpected drop (exponential backoff
// with jitter, for as long as the bridge still wants a room on the network), dropped when
// the link fails for good. Link events are routed back to the session that owns the link (a
// serial number tells a late event from a stale link apart from one for a newer session of
// the same user and network).
#include "gateways/irc/gateway_options.hpp"
#include "gateways/irc/irc_link.hpp"
#include "gateways/irc/network_session.hpp"
#include "gateways/irc/user_settings.hpp"
#include "util/result.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace junction::irc {

/// What happened to a link, for the bridge to tell the user.
struct LinkLoss {
  std::string reason;
  /// Before registration (DNS, refused, TLS, timeout); otherwise a drop of a working link.
  bool failed = false;
  /// A reconnection follows after `delay`; otherwise the session is removed afterwards.
  bool retrying = false;
  /// Failed attempts before this loss since the last registration (0: the first drop).
  int attempt = 0;
  std::chrono::milliseconds delay{0};
};

/// The wait before reconnection attempt `attempt` (0-based): min doubled per attempt up to
/// max, then a point drawn between half of it and all of it (`random01` in [0, 1)), so that
/// many users dropped at once do not all come back in the same second.
std::chrono::milliseconds reconnect_delay(const NetworkConfig& network, int attempt, double random01);

/// Whether a loss reason says the server will not have us back (a ban, a refused password):
/// retrying would only hammer it.
bool is_permanent_loss(std::string_view reason);

class SessionManager {
 public:
  struct Hooks {
    std::function<void(NetworkSession&)> on_registered;
    std::function<void(NetworkSession&, const IrcMessage&)> on_message;
    /// The link failed (before registration) or was lost. Unless loss.retrying, the session
    /// is removed afterwards.
    std::function<void(NetworkSession&, const LinkLoss& loss)> on_lost;
    /// Whether there is anything to come back for (a room to rejoin); asked before a retry.
    std::function<bool(NetworkSession&)> wants_reconnect;
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
  void schedule_reconnect(NetworkSession& session, std::chrono::milliseconds delay);
  void reconnect_now(const Key& key, std::uint64_t serial);
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
  std::minstd_rand jitter_{std::random_device{}()};
};

}  // namespace junction::irc
