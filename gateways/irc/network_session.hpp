#pragma once
// One XMPP user on one IRC network: the IRC link, the channels it is in, the work waiting
// for registration, the single grace timer that exists only while the session is idle and
// waiting to QUIT, and the reconnection state after the link dropped (the session, its link
// object and its channels survive a drop; the link connects again after a backoff). Owned by
// the SessionManager; pure state plus small helpers.
#include "gateways/irc/channel.hpp"
#include "gateways/irc/irc_link.hpp"
#include "gateways/irc/network_config.hpp"
#include "util/asio.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
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
  /// Files the channels again under the current casemapping (the server may announce
  /// another one than the default they were added under).
  void rekey_channels();
  /// True the first time per connection for a channel: its JOIN is to be sent now.
  bool claim_join(std::string_view name) { return joins_sent_.insert(isupport().casefold(name)).second; }
  std::map<std::string, Channel>& channels() { return channels_; }
  const std::map<std::string, Channel>& channels() const { return channels_; }

  /// Runs `run` now when registered, else once registered; `fail` instead if the
  /// connection fails first, and at once while the session is waiting to reconnect (work for
  /// a dropped connection is refused, not held for minutes). Work without `fail` waits for
  /// whichever connection registers next.
  void when_registered(std::function<void()> run, std::function<void(const std::string&)> fail = {});
  void run_pending();
  /// Fails the waiting work that has a failure path; the rest stays queued.
  void fail_pending(const std::string& reason);

  /// Created on first use, only while the session waits to close.
  asio::steady_timer& grace_timer(asio::io_context& io);
  void cancel_grace();
  bool grace_armed() const { return grace_armed_; }
  void set_grace_armed(bool armed) { grace_armed_ = armed; }

  /// Registered at least once: a later loss is a drop, not a network that never answered.
  bool ever_registered() const { return ever_registered_; }
  /// How many times the link has registered: above 1 after a reconnection.
  int registrations() const { return registrations_; }
  /// The link is down and a reconnection is scheduled or under way.
  bool reconnecting() const { return reconnecting_; }
  /// Failed attempts since the last registration (0 right after a drop).
  int reconnect_attempt() const { return reconnect_attempt_; }
  /// Why the link went down, for errors while reconnecting.
  const std::string& down_reason() const { return down_reason_; }
  /// 001 arrived: reconnection state is cleared.
  void mark_registered();
  /// The link went down and another attempt follows after a delay.
  void mark_reconnecting(const std::string& reason);
  void count_attempt() { ++reconnect_attempt_; }
  /// Created on first use, like the grace timer.
  asio::steady_timer& reconnect_timer(asio::io_context& io);
  void cancel_reconnect();

  /// The user sent QUIT as a raw command: the link closing next is not reconnected.
  bool user_quit = false;
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
  std::set<std::string> joins_sent_;  // casefolded channel names JOINed on this connection
  bool ever_registered_ = false;
  int registrations_ = 0;
  bool reconnecting_ = false;
  int reconnect_attempt_ = 0;
  std::string down_reason_;
  std::unique_ptr<asio::steady_timer> reconnect_;
};

}  // namespace junction::irc
