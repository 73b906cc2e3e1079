#pragma once
// The email gateway (kind "email", disco gateway/smtp): chat messages to
// bob\40example.com@mail.example.org become mail from the user's own address
// (<JID node>@mail_domain), and mail the MTA hands over by LMTP becomes chat messages from
// the correspondent, threaded into the conversation it answers.
//
// The class is split over files along its flows:
//   email_gateway.cpp   identity, registration, addressing, presence, commands
//   email_outbound.cpp  XMPP -> outbox -> SMTP submission; failures back to the sender
//   email_inbound.cpp   LMTP recipients and delivery: parse off the loop, store, deliver
#include "attachments.hpp"
#include "conversations.hpp"
#include "core/gateway.hpp"
#include "email_settings.hpp"
#include "inbound_listener.hpp"
#include "rate_limit.hpp"

#include <memory>
#include <set>

namespace junction::net {
class SmtpClient;
}

namespace junction::email {

class EmailGateway final : public core::Gateway {
 public:
  explicit EmailGateway(core::GatewayContext& context);
  ~EmailGateway() override;

  core::Identity identity() const override { return {"gateway", "smtp", "Email gateway"}; }
  void start() override;
  void stop(std::function<void()> done) override;
  void reload(const toml::table& config) override;

  std::string registration_instructions() const override;
  std::vector<xmpp::FormField> registration_fields(const store::Registration* existing) const override;
  Result<std::map<std::string, std::string>> validate_registration(
      const xmpp::Jid& user, std::map<std::string, std::string> values) override;
  void on_registered(const xmpp::Jid& user, const store::Registration&) override;
  void on_unregistered(const xmpp::Jid& user) override;

  std::string gateway_description() const override;
  std::string gateway_prompt() const override { return "Email address"; }
  Result<xmpp::Jid> legacy_to_jid(std::string_view legacy) const override;

  void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::optional<xmpp::Element> contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) override;
  std::vector<core::AdhocCommand> commands() override;
  std::vector<std::pair<std::string, std::string>> statistics() const override;

  /// The LMTP session's callbacks (email_inbound.cpp); public so tests can drive a
  /// delivery without a socket.
  void check_recipient(const std::string& recipient, LmtpSession::RcptAnswer answer);
  void deliver_mail(InboundEnvelope envelope, LmtpSession::DeliveryAnswer answer);

  /// The inbound listener's port once started (0 when none): for tests and benchmarks.
  unsigned short inbound_port() const { return listener_ ? listener_->port() : 0; }

 private:
  // Addressing.
  Result<MailAddress> own_address(const xmpp::Jid& user) const;
  Result<MailAddress> sending_address(const xmpp::Jid& user, const store::Registration& registration) const;
  // The user a recipient address belongs to (bare JID), or nullopt.
  Result<std::optional<std::string>> recipient_user(const std::string& recipient);
  Result<bool> user_known(const std::string& user);

  // Outbound (email_outbound.cpp).
  void send_entry(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done);
  void on_send_failed(const store::OutboxEntry& entry, const std::string& reason);

  void schedule_prune();

  core::AdhocCommand grant_command();
  core::AdhocCommand addresses_command();

  core::GatewayContext& context_;
  EmailSettings settings_;
  std::shared_ptr<Conversations> conversations_;   // shared with worker jobs
  std::shared_ptr<AttachmentStore> attachments_;
  RateLimiter rate_limiter_;
  std::unique_ptr<net::SmtpClient> smtp_;
  std::unique_ptr<InboundListener> listener_;
  std::unique_ptr<asio::steady_timer> prune_timer_;
  std::set<std::string> known_users_;  // positive answers only: cheap RCPT checks
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Counter& mails_in_;
  Counter& mails_out_;
  Counter& bounces_;
};

void register_email_gateway();

}  // namespace junction::email
