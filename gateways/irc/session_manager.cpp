#include "gateways/irc/session_manager.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace junction::irc {

std::chrono::milliseconds reconnect_delay(const NetworkConfig& network, int attempt, double random01) {
  const auto cap = std::max(network.reconnect_max, network.reconnect_min);
  auto base = network.reconnect_min;
  for (int i = 0; i < attempt && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  random01 = std::clamp(random01, 0.0, 1.0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(base.count()) * (0.5 + 0.5 * random01)));
}

bool is_permanent_loss(std::string_view reason) {
  std::string text(reason);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // What servers say in ERROR when they ban a client (K/G/Z/D-lines, akills), and our own
  // verdict on a refused server password.
  static constexpr std::array<std::string_view, 11> permanent = {"k-line", "g-line", "z-line",          "d-line",
                                                                 "kline",  "gline",  "zline",           "dline",
                                                                 "akill",  "banned", "password refused"};
  return std::any_of(permanent.begin(), permanent.end(),
                     [&](std::string_view word) { return text.find(word) != std::string::npos; });
}

SessionManager::SessionManager(asio::io_context& io, IrcLinkFactory factory, const SettingsRepository& settings,
                               Hooks hooks)
    : io_(io), factory_(std::move(factory)), settings_(settings), hooks_(std::move(hooks)) {}

NetworkSession* SessionManager::find(const std::string& user, const std::string& network) {
  auto it = sessions_.find({user, network});
  return it == sessions_.end() ? nullptr : it->second.get();
}

NetworkSession* SessionManager::find_serial(const Key& key, std::uint64_t serial) {
  auto it = sessions_.find(key);
  if (it != sessions_.end() && it->second->serial() == serial) return it->second.get();
  auto closing = closing_.find(serial);
  return closing == closing_.end() ? nullptr : closing->second.get();
}

Result<NetworkSession*> SessionManager::open(const std::string& user, const std::string& network,
                                             const std::string& wanted_nick) {
  if (auto* existing = find(user, network)) return existing;
  auto config = options_->network(network);
  if (!config) return fail("unknown IRC network \"" + network + "\"");
  auto settings = settings_.effective(user, config->alias);
  if (auto fallback = parse_fallback(settings.encoding)) config->encoding = *fallback;
  auto identity = identity_for(settings, user, wanted_nick, options_->default_realname);

  const std::uint64_t serial = next_serial_++;
  Key key{user, config->alias};
  auto session = std::make_unique<NetworkSession>(serial, user, *config);
  IrcLink::Events events;
  events.on_registered = [this, key, serial](const std::string&) {
    if (auto* s = find_serial(key, serial)) {
      s->mark_registered();
      hooks_.on_registered(*s);
      if ((s = find_serial(key, serial))) s->run_pending();
    }
  };
  events.on_message = [this, key, serial](const IrcMessage& message) {
    if (auto* s = find_serial(key, serial)) {
      // The server may announce a casemapping other than the one channels were filed under.
      if (message.command == "005") s->rekey_channels();
      hooks_.on_message(*s, message);
    }
  };
  events.on_failed = [this, key, serial](const std::string& reason) { lost(key, serial, reason, true); };
  events.on_disconnected = [this, key, serial](const std::string& reason) { lost(key, serial, reason, false); };
  session->set_link(factory_(*config, identity, std::move(events)));
  auto* raw = session.get();
  sessions_.emplace(key, std::move(session));
  log::debug("irc", "{}: connecting to {} as {}", user, config->alias, identity.nick);
  raw->link().connect();
  return raw;
}

std::vector<NetworkSession*> SessionManager::of_user(const std::string& user) {
  std::vector<NetworkSession*> out;
  for (auto it = sessions_.lower_bound({user, ""}); it != sessions_.end() && it->first.first == user; ++it)
    out.push_back(it->second.get());
  return out;
}

std::vector<NetworkSession*> SessionManager::all() {
  std::vector<NetworkSession*> out;
  out.reserve(sessions_.size());
  for (auto& [key, session] : sessions_) out.push_back(session.get());
  return out;
}

void SessionManager::idle(NetworkSession& session) {
  if (find(session.user(), session.network()) != &session) return;  // already closing
  if (!session.channels().empty() || session.grace_armed()) return;
  // Nothing left to reconnect for: no point waiting for a link that is down.
  if (options_->grace.count() == 0 || session.reconnecting()) return close(session, "Leaving");
  session.set_grace_armed(true);
  auto& timer = session.grace_timer(io_);
  timer.expires_after(options_->grace);
  Key key{session.user(), session.network()};
  auto serial = session.serial();
  timer.async_wait([this, key, serial](const boost::system::error_code& ec) {
    if (ec) return;
    auto* s = find_serial(key, serial);
    if (!s || !s->grace_armed()) return;
    s->set_grace_armed(false);
    if (s->channels().empty()) close(*s, "Leaving");
  });
}

std::unique_ptr<NetworkSession> SessionManager::detach(NetworkSession& session) {
  auto it = sessions_.find({session.user(), session.network()});
  if (it != sessions_.end() && it->second.get() == &session) {
    auto owned = std::move(it->second);
    sessions_.erase(it);
    return owned;
  }
  auto closing = closing_.find(session.serial());
  if (closing != closing_.end()) {
    auto owned = std::move(closing->second);
    closing_.erase(closing);
    return owned;
  }
  return nullptr;
}

void SessionManager::dispose(std::unique_ptr<NetworkSession> session) {
  if (!session) return;
  session->cancel_grace();
  session->cancel_reconnect();
  // The link may be in the middle of the callback that brought us here: destroy it once
  // the stack has unwound.
  asio::post(io_, [doomed = std::shared_ptr<NetworkSession>(std::move(session))] {});
}

void SessionManager::close(NetworkSession& session, const std::string& reason, std::function<void()> after) {
  auto owned = detach(session);
  if (!owned) {
    if (after) after();
    return;
  }
  owned->cancel_grace();
  owned->cancel_reconnect();
  log::debug("irc", "{}: leaving {}", owned->user(), owned->network());
  auto serial = owned->serial();
  auto* raw = owned.get();
  closing_.emplace(serial, std::move(owned));
  raw->link().quit(reason, [this, serial, after = std::move(after)] {
    auto it = closing_.find(serial);
    if (it != closing_.end()) {
      auto doomed = std::move(it->second);
      closing_.erase(it);
      dispose(std::move(doomed));
    }
    if (after) after();
  });
}

void SessionManager::close_all(const std::string& reason, std::function<void()> done) {
  auto sessions = all();
  if (sessions.empty()) return done();
  auto remaining = std::make_shared<std::size_t>(sessions.size());
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  for (auto* session : sessions)
    close(*session, reason, [remaining, finish] {
      if (--*remaining == 0) (*finish)();
    });
}

void SessionManager::lost(const Key& key, std::uint64_t serial, const std::string& reason, bool failed) {
  auto* session = find_serial(key, serial);
  if (!session) return;
  log::info("irc", "{}: {} on {}: {}", key.first, failed ? "connection failed" : "disconnected", key.second, reason);
  LinkLoss loss{reason, failed, false, session->reconnect_attempt(), {}};
  const NetworkConfig& network = session->config();
  const bool active = find(key.first, key.second) == session;  // not one we are closing
  session->fail_pending(reason);
  if (active && network.reconnect && !session->user_quit && !is_permanent_loss(reason) &&
      (network.reconnect_attempts == 0 || session->reconnect_attempt() < network.reconnect_attempts) &&
      hooks_.wants_reconnect && hooks_.wants_reconnect(*session)) {
    loss.retrying = true;
    loss.delay = reconnect_delay(network, session->reconnect_attempt(),
                                 std::uniform_real_distribution<double>(0.0, 1.0)(jitter_));
    session->mark_reconnecting(reason);
    hooks_.on_lost(*session, loss);
    // The bridge may have given up on the session meanwhile (nothing left to rejoin).
    if (find(key.first, key.second) == session && session->reconnecting()) schedule_reconnect(*session, loss.delay);
    return;
  }
  auto owned = detach(*session);
  if (!owned) return;
  hooks_.on_lost(*owned, loss);
  dispose(std::move(owned));
}

void SessionManager::schedule_reconnect(NetworkSession& session, std::chrono::milliseconds delay) {
  log::info("irc", "{}: reconnecting to {} in {} ms", session.user(), session.network(), delay.count());
  auto& timer = session.reconnect_timer(io_);
  timer.expires_after(delay);
  Key key{session.user(), session.network()};
  timer.async_wait([this, key, serial = session.serial()](const boost::system::error_code& ec) {
    if (!ec) reconnect_now(key, serial);
  });
}

void SessionManager::reconnect_now(const Key& key, std::uint64_t serial) {
  NetworkSession* s = find(key.first, key.second);
  if (!s || s->serial() != serial || !s->reconnecting()) return;
  if (hooks_.wants_reconnect && !hooks_.wants_reconnect(*s)) return close(*s, "Leaving");
  s->count_attempt();
  log::info("irc", "{}: reconnecting to {} (attempt {})", key.first, key.second, s->reconnect_attempt());
  s->link().connect();
}

}  // namespace junction::irc
