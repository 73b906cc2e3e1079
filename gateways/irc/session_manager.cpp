#include "gateways/irc/session_manager.hpp"

#include "util/log.hpp"

namespace junction::irc {

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
      hooks_.on_registered(*s);
      if ((s = find_serial(key, serial))) s->run_pending();
    }
  };
  events.on_message = [this, key, serial](const IrcMessage& message) {
    if (auto* s = find_serial(key, serial)) hooks_.on_message(*s, message);
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
  if (options_->grace.count() == 0) return close(session, "Leaving");
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
  auto owned = detach(*session);
  if (!owned) return;
  owned->fail_pending(reason);
  hooks_.on_lost(*owned, reason, failed);
  dispose(std::move(owned));
}

}  // namespace junction::irc
