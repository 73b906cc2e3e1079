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

void NetworkSession::remove_channel(std::string_view name) { channels_.erase(isupport().casefold(name)); }

void NetworkSession::when_registered(std::function<void()> run, std::function<void(const std::string&)> fail) {
  if (registered()) return run();
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
  for (auto& p : pending)
    if (p.fail) p.fail(reason);
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
