#pragma once
// The seam between the bridge and an IRC connection. The bridge only ever talks to an
// IrcLink, so its state machines (rooms, private messages, session lifetime) are tested
// against a scripted fake; the real thing is IrcConnection behind a thin adapter.
#include "gateways/irc/irc_message.hpp"
#include "gateways/irc/isupport.hpp"
#include "gateways/irc/network_config.hpp"
#include "util/asio.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace junction::irc {

class IrcLink {
 public:
  /// Same meaning as IrcConnection::Events. Callbacks may destroy the link.
  struct Events {
    std::function<void(const std::string& nick)> on_registered;
    std::function<void(const std::string& reason)> on_failed;
    std::function<void(const std::string& reason)> on_disconnected;
    std::function<void(const IrcMessage&)> on_message;
  };

  virtual ~IrcLink() = default;
  virtual void connect() = 0;
  virtual void send(IrcMessage message) = 0;
  /// PRIVMSG/NOTICE text, split into lines the server will relay whole.
  virtual void send_text(const std::string& command, const std::string& target, const std::string& text) = 0;
  /// One raw line from the user; false when it carries CR/LF/NUL or does not parse.
  virtual bool send_raw(std::string_view line) = 0;
  virtual void quit(const std::string& reason, std::function<void()> done) = 0;

  virtual bool registered() const = 0;
  virtual const std::string& nick() const = 0;
  virtual const ISupport& isupport() const = 0;
  virtual bool cap_enabled(std::string_view cap) const = 0;
  virtual std::chrono::milliseconds lag() const = 0;
  /// True for a CTCP request the link already answered (not to be shown as chat).
  virtual bool is_ctcp_query(const IrcMessage& message) const = 0;
};

using IrcLinkFactory =
    std::function<std::unique_ptr<IrcLink>(const NetworkConfig&, const UserIdentity&, IrcLink::Events)>;

/// Real connections on the given loop.
IrcLinkFactory make_connection_factory(asio::io_context& io);

}  // namespace junction::irc
