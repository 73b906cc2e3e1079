#pragma once
// One XMPP user on one IRC network: the IRC link, the channels it is in, the work waiting
// for registration, and the single grace timer that exists only while the session is idle
// and waiting to QUIT. Owned by the SessionManager; pure state plus small helpers.
#include "gateways/irc/channel.hpp"
#include "gateways/irc/irc_link.hpp"
#include "gateways/irc/network_config.hpp"
#include "util/asio.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace junction::irc {

class NetworkSession {
 public:
  NetworkSession(std::uint64_t serial, std::string user, NetworkConfig network)
      : serial_(serial), user_(std::move(user)), network_(std::move(network)) {}

  std::uint64_t serial() const { return serial_; }
  /// Bare JID of the XMPP user.
  const std::string& user() const { return user_; }
  /// The network as named in JIDs (alias or host).
  const std::string& network() const { return network_.alias; }
  const NetworkConfig& config() const { return network_; }

  IrcLink& link() { return *link_; }
  const IrcLink& link() const { return *link_; }
  void set_link(std::unique_ptr<IrcLink> link) { link_ = std::move(link); }
  std::unique_ptr<IrcLink> take_link() { return std::move(link_); }
  bool registered() const { return link_ && link_->registered(); }
  const std::string& nick() const { return link_->nick(); }
  const ISupport& isupport() const { return link_->isupport(); }
  bool is_me(std::string_view nick) const { return isupport().same_name(nick, link_->nick()); }

  Channel* channel(std::string_view name);
  Channel& add_channel(std::string name, std::string room_jid);
  void remove_channel(std::string_view name);
  std::map<std::string, Channel>& channels() { return channels_; }
  const std::map<std::string, Channel>& channels() const { return channels_; }

  /// Runs `run` now when registered, else once registered; `fail` instead if the
  /// connection fails first.
  void when_registered(std::function<void()> run, std::function<void(const std::string&)> fail = {});
  void run_pending();
  void fail_pending(const std::string& reason);

  /// Created on first use, only while the session waits to close.
  asio::steady_timer& grace_timer(asio::io_context& io);
  void cancel_grace();
  bool grace_armed() const { return grace_armed_; }
  void set_grace_armed(bool armed) { grace_armed_ = armed; }

  /// The AWAY text last sent ("" = present).
  std::string away;
  /// MOTD lines gathered until its end, sent as one message.
  std::string motd;

 private:
  struct Pending {
    std::function<void()> run;
    std::function<void(const std::string&)> fail;
  };

  std::uint64_t serial_;
  std::string user_;
  NetworkConfig network_;
  std::unique_ptr<IrcLink> link_;
  std::map<std::string, Channel> channels_;  // by casefolded name
  std::vector<Pending> pending_;
  std::unique_ptr<asio::steady_timer> grace_;
  bool grace_armed_ = false;
};

}  // namespace junction::irc
