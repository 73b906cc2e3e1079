#include "gateways/irc/network_session.hpp"

namespace junction::irc {

Channel* NetworkSession::channel(std::string_view name) {
  auto it = channels_.find(isupport().casefold(name));
  return it == channels_.end() ? nullptr : &it->second;
}

Channel& NetworkSession::add_channel(std::string name, std::string room_jid) {
  auto key = isupport().casefold(name);
  auto it = channels_.find(key);
  if (it != channels_.end()) return it->second;
  return channels_.emplace(std::move(key), Channel(std::move(name), std::move(room_jid))).first->second;
}

void NetworkSession::remove_channel(std::string_view name) {
  auto key = isupport().casefold(name);
  channels_.erase(key);
  joins_sent_.erase(key);
}

void NetworkSession::rekey_channels() {
  std::map<std::string, Channel> rekeyed;
  for (auto& [key, c] : channels_) {
    auto folded = isupport().casefold(c.name());
    rekeyed.emplace(std::move(folded), std::move(c));
  }
  channels_ = std::move(rekeyed);
  std::set<std::string> sent;
  for (const auto& name : joins_sent_) sent.insert(isupport().casefold(name));
  joins_sent_ = std::move(sent);
}

void NetworkSession::when_registered(std::function<void()> run, std::function<void(const std::string&)> fail) {
  if (registered()) return run();
  if (reconnecting_ && fail) return fail("IRC connection lost (" + down_reason_ + "), reconnecting");
  pending_.push_back({std::move(run), std::move(fail)});
}

void NetworkSession::run_pending() {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) p.run();
}

void NetworkSession::fail_pending(const std::string& reason) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) {
    if (p.fail)
      p.fail(reason);
    else
      pending_.push_back(std::move(p));  // no failure path (a JOIN): waits for the next link
  }
}

void NetworkSession::mark_registered() {
  ever_registered_ = true;
  ++registrations_;
  reconnecting_ = false;
  reconnect_attempt_ = 0;
  down_reason_.clear();
  joins_sent_.clear();
  rekey_channels();
}

void NetworkSession::mark_reconnecting(const std::string& reason) {
  reconnecting_ = true;
  down_reason_ = reason;
  joins_sent_.clear();
  // A new connection starts present and without a MOTD: AWAY is sent again if still wanted.
  away.clear();
  motd.clear();
}

asio::steady_timer& NetworkSession::reconnect_timer(asio::io_context& io) {
  if (!reconnect_) reconnect_ = std::make_unique<asio::steady_timer>(io);
  return *reconnect_;
}

void NetworkSession::cancel_reconnect() {
  if (reconnect_) reconnect_->cancel();
  reconnecting_ = false;
}

asio::steady_timer& NetworkSession::grace_timer(asio::io_context& io) {
  if (!grace_) grace_ = std::make_unique<asio::steady_timer>(io);
  return *grace_;
}

void NetworkSession::cancel_grace() {
  if (grace_armed_ && grace_) grace_->cancel();
  grace_armed_ = false;
}

}  // namespace junction::irc
