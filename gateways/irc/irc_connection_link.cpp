// IrcConnection seen through the IrcLink seam; nothing here but forwarding.
#include "gateways/irc/irc_connection.hpp"
#include "gateways/irc/irc_link.hpp"

namespace junction::irc {
namespace {

class ConnectionLink final : public IrcLink {
 public:
  ConnectionLink(asio::io_context& io, const NetworkConfig& network, const UserIdentity& identity, Events events)
      : connection_(io, network, identity,
                    IrcConnection::Events{std::move(events.on_registered), std::move(events.on_failed),
                                          std::move(events.on_disconnected), std::move(events.on_message)}) {}

  void connect() override { connection_.connect(); }
  void send(IrcMessage message) override { connection_.send(std::move(message)); }
  void send_text(const std::string& command, const std::string& target, const std::string& text) override {
    connection_.send_text(command, target, text);
  }
  bool send_raw(std::string_view line) override { return connection_.send_raw(line); }
  void quit(const std::string& reason, std::function<void()> done) override {
    connection_.quit(reason, std::move(done));
  }
  bool registered() const override { return connection_.registered(); }
  const std::string& nick() const override { return connection_.nick(); }
  const ISupport& isupport() const override { return connection_.isupport(); }
  bool cap_enabled(std::string_view cap) const override { return connection_.cap_enabled(cap); }
  std::chrono::milliseconds lag() const override { return connection_.lag(); }
  bool is_ctcp_query(const IrcMessage& message) const override { return IrcConnection::is_ctcp_query(message); }

 private:
  IrcConnection connection_;
};

}  // namespace

IrcLinkFactory make_connection_factory(asio::io_context& io) {
  return [&io](const NetworkConfig& network, const UserIdentity& identity,
               IrcLink::Events events) -> std::unique_ptr<IrcLink> {
    return std::make_unique<ConnectionLink>(io, network, identity, std::move(events));
  };
}

}  // namespace junction::irc
