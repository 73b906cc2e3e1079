#pragma once
// The echo gateway: a complete, small gateway whose "legacy network" answers every message
// with the same text. It exercises every part of the Gateway API (registration field, ad-hoc
// command, durable delivery both ways, a webhook) and is the worked example in
// docs/writing-a-gateway.md.
#include "core/gateway.hpp"

namespace junction::gateways::echo {

class EchoGateway final : public core::Gateway {
 public:
  explicit EchoGateway(core::GatewayContext& context);

  core::Identity identity() const override { return {"gateway", "echo", "Echo gateway"}; }
  void start() override;

  std::string registration_instructions() const override;
  std::vector<xmpp::FormField> registration_fields(const store::Registration* existing) const override;
  Result<std::map<std::string, std::string>> validate_registration(
      const xmpp::Jid& user, std::map<std::string, std::string> values) override;

  std::string gateway_description() const override { return "Enter any name to echo with."; }
  std::string gateway_prompt() const override { return "Name"; }
  Result<xmpp::Jid> legacy_to_jid(std::string_view legacy) const override;

  void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::optional<xmpp::Element> contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) override;
  std::vector<core::AdhocCommand> commands() override;
  void reload(const toml::table& config) override;

 private:
  // The "legacy network": answers an outbox entry by echoing it back to the user.
  void send_to_echo_network(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done);
  void inbound_webhook(const net::HttpRequest& request, net::Responder respond);
  std::string reply_text(const std::string& user, const std::string& body);

  core::GatewayContext& context_;
  std::string prefix_;
  std::string webhook_token_;
};

std::vector<core::ConfigProblem> validate_echo_config(const toml::table& table);
void register_echo_gateway();

}  // namespace junction::gateways::echo
