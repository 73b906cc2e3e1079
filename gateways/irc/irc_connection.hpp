#pragma once
// One client connection to an IRC server: connect (through a Transport), register (CAP LS 302,
// SASL, PASS/NICK/USER, nick collisions), keep alive (PING/PONG, lag), pace what we send
// (token bucket), and report. It does not reconnect by itself: after on_failed or
// on_disconnected the owner may call connect() again, typically after a backoff.
//
// CTCP: VERSION, PING, TIME and CLIENTINFO requests get their NOTICE reply here; the PRIVMSG
// is still passed to on_message (the owner should not show it as chat: check is_ctcp_query()).
//
// Callbacks may destroy the connection; nothing touches it after a callback returns in that
// case. Not thread-safe: one connection, one io_context thread.
#include "cap_negotiation.hpp"
#include "ctcp.hpp"
#include "irc_message.hpp"
#include "irc_transport.hpp"
#include "isupport.hpp"
#include "line_framer.hpp"
#include "network_config.hpp"
#include "token_bucket.hpp"
#include "util/asio.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace junction::irc {

class IrcConnection {
 public:
  struct Events {
    /// 001 received (and SASL done); the nick in use.
    std::function<void(const std::string& nick)> on_registered;
    /// Could not connect or register (DNS, refused, TLS, timeout, ERROR).
    std::function<void(const std::string& reason)> on_failed;
    /// Lost after registration (including "ping timeout").
    std::function<void(const std::string& reason)> on_disconnected;
    /// Every line received, PING/PONG/CAP/AUTHENTICATE included, after the connection has
    /// updated its own state (nick(), isupport()). Text is UTF-8 (the network's fallback
    /// charset decoded) but keeps control bytes: mIRC formatting and CTCP's \x01 must reach
    /// formatting.hpp/ctcp.hpp; pass anything meant for a stanza through xml_safe() last.
    std::function<void(const IrcMessage& message)> on_message;
  };

  enum class State { idle, connecting, registering, registered, quitting };

  IrcConnection(asio::io_context& io, NetworkConfig network, UserIdentity identity, Events events);
  /// For tests and custom transports.
  IrcConnection(IrcEnvironment environment, NetworkConfig network, UserIdentity identity, Events events);
  /// Closes the socket without callbacks.
  ~IrcConnection();
  IrcConnection(const IrcConnection&) = delete;
  IrcConnection& operator=(const IrcConnection&) = delete;

  /// Async DNS (v4+v6, each address tried), TCP, TLS (SNI + verification), CAP LS 302,
  /// PASS/NICK/USER, SASL. Ignored unless idle (a fresh object or after a failure/disconnect).
  void connect();
  /// Queued behind flood control. A line that cannot be serialized (CR/LF/NUL, bad middle
  /// parameter) is logged and dropped. Lines sent while connecting or registering wait for
  /// 001; when idle or quitting they are dropped.
  void send(IrcMessage message);
  /// PRIVMSG or NOTICE: one message per line of text, each cut to what the server will relay.
  void send_text(const std::string& command, const std::string& target, const std::string& text);
  /// Sends a raw line (on-connect commands, the server console); false when it has CR/LF/NUL
  /// or does not parse.
  bool send_raw(std::string_view line);
  /// QUIT (ahead of queued lines), waits for it to leave (at most 2 s), closes, then done().
  /// No on_disconnected follows. done() also runs when there was no connection.
  void quit(const std::string& reason, std::function<void()> done);

  bool registered() const { return state_ == State::registered; }
  State state() const { return state_; }
  /// The nick in use (the wanted one before registration).
  const std::string& nick() const { return nick_; }
  const ISupport& isupport() const { return isupport_; }
  bool cap_enabled(std::string_view cap) const;
  /// Round trip of our last PING; zero before the first PONG.
  std::chrono::milliseconds lag() const { return lag_; }
  const NetworkConfig& network() const { return network_; }
  const UserIdentity& identity() const { return identity_; }
  /// Lines waiting for flood control.
  std::size_t queued() const { return queue_.size(); }
  /// Our user@host as the server sees it, from RPL_HOSTHIDDEN/CHGHOST/own JOIN echo; "" until known.
  const std::string& own_host() const { return own_host_; }
  /// True for a PRIVMSG carrying a CTCP request other than ACTION (answered automatically).
  static bool is_ctcp_query(const IrcMessage& message);

 private:
  void on_transport_connected();
  void on_data(std::string_view bytes);
  void on_transport_closed(const std::string& reason);
  void handle_line(std::string line);
  void handle_message(const IrcMessage& msg);
  void handle_registration(const IrcMessage& msg);
  void on_welcome(const IrcMessage& msg);
  void try_next_nick();
  void send_now(const IrcMessage& msg);
  std::string for_wire(std::string line) const;
  void pump_queue();
  void on_keepalive();
  void finish_quit();
  void fail(const std::string& reason);
  void teardown();
  std::size_t text_limit(std::string_view command, std::string_view target) const;

  IrcEnvironment env_;
  NetworkConfig network_;
  UserIdentity identity_;
  Events events_;
  CtcpIdentity ctcp_identity_;

  State state_ = State::idle;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Timer> connect_timer_;
  std::unique_ptr<Timer> flood_timer_;
  std::unique_ptr<Timer> keepalive_timer_;
  std::unique_ptr<Timer> quit_timer_;
  std::optional<CapNegotiator> cap_;
  LineFramer framer_;
  ISupport isupport_;
  TokenBucket bucket_;
  std::deque<std::string> queue_;

  std::string nick_;
  std::size_t nick_attempt_ = 0;
  std::string own_host_;
  std::string own_user_;
  std::chrono::milliseconds lag_{0};
  std::optional<Clock::time_point> ping_sent_;
  Clock::time_point last_received_{};
  std::uint64_t ping_counter_ = 0;
  std::function<void()> quit_done_;
  // Shared with callbacks so they can tell whether a user callback destroyed us.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace junction::irc
