#pragma once
// The SMS gateway: phone numbers as contacts (+15551234567@sms.example.org), texts to and
// from them through one HTTP provider (Twilio, Kannel, Vonage, Telnyx), or through a user's
// own provider account when self-service registration is on.
// The member functions live in several files, one flow each:
//   sms_gateway.cpp   wiring, settings, addressing, presence and provider health
//   sms_outbound.cpp  XMPP message -> outbox -> provider request, failures to the sender
//   sms_webhooks.cpp  inbound texts and delivery reports (receipts, asynchronous failures)
//   sms_accounts.cpp  registration (bring your own account) and the admin number commands
// Loop thread only.
#include "core/gateway.hpp"
#include "gateways/sms/number_directory.hpp"
#include "gateways/sms/outbound_entry.hpp"
#include "gateways/sms/provider.hpp"
#include "gateways/sms/rate_limiter.hpp"
#include "gateways/sms/sms_config.hpp"
#include "net/http_client.hpp"

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

namespace junction::sms {

class SmsGateway final : public core::Gateway {
 public:
  explicit SmsGateway(core::GatewayContext& context);
  ~SmsGateway() override;

  core::Identity identity() const override { return {"gateway", "sms", "SMS gateway"}; }
  std::vector<std::string> features() const override;
  void start() override;
  void stop(std::function<void()> done) override;
  void reload(const toml::table& config) override;

  std::string registration_instructions() const override;
  std::vector<xmpp::FormField> registration_fields(const store::Registration* existing) const override;
  Result<std::map<std::string, std::string>> validate_registration(const xmpp::Jid& user,
                                                                   std::map<std::string, std::string> values) override;
  void on_registered(const xmpp::Jid& user, const store::Registration& registration) override;
  void on_unregistered(const xmpp::Jid& user) override;

  std::string gateway_description() const override;
  std::string gateway_prompt() const override { return "Phone number"; }
  Result<xmpp::Jid> legacy_to_jid(std::string_view legacy) const override;

  void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override;
  std::optional<xmpp::Element> contact_presence(const xmpp::Jid& user, const xmpp::Jid& contact) override;
  std::vector<core::AdhocCommand> commands() override;
  void on_user_available(const xmpp::Jid& full) override;
  void on_user_unavailable(const xmpp::Jid& full) override;
  std::vector<std::pair<std::string, std::string>> statistics() const override;

  // For tests and benchmarks.
  const NumberDirectory& numbers() const { return numbers_; }
  bool provider_failing() const { return failing_; }

 private:
  // sms_gateway.cpp
  void apply_settings(const toml::table& config);
  // The provider for a user's texts: their own account's when they registered one.
  std::shared_ptr<const Provider> provider_for(const std::string& user);
  xmpp::Jid contact_jid(const std::string& number) const;
  void note_send_result(SendKind kind, const std::string& error);
  void broadcast_health();
  xmpp::Element health_presence() const;

  // sms_outbound.cpp
  void send_sms(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done);
  void dispatch(std::int64_t entry_id, std::shared_ptr<const Provider> provider, OutboundSms sms,
                ProviderRequest request, std::function<void(core::SendOutcome)> done);
  void send_failed(const store::OutboxEntry& entry, const std::string& reason);
  void reply_error(const xmpp::Element& stanza, std::string_view type, std::string_view condition,
                   const std::string& text);
  // Durable error message to the sender of an outbox entry (key: one per entry).
  void notify_failure(const std::string& key, const OutboundEntry& entry, const std::string& reason,
                      std::function<void(Result<bool>)> done);

  // sms_webhooks.cpp
  void inbound_webhook(const net::HttpRequest& request, net::Responder respond);
  void status_webhook(const net::HttpRequest& request, net::Responder respond);
  WebhookRequest webhook_request(const net::HttpRequest& request) const;
  std::shared_ptr<const Provider> provider_for_number(const std::string& number);
  std::optional<store::OutboxEntry> sent_entry(const std::string& provider_id);
  void introduce_contact(const std::string& owner, const xmpp::Jid& contact);
  // A receipt or a failure message for a sent text, stored durably; `done` when stored.
  void apply_report(const store::OutboxEntry& entry, const StatusReport& report, std::string_view kind,
                    std::function<void(Result<bool>)> done);
  void apply_early_report(std::int64_t entry_id, const std::string& provider_id, std::string_view kind);
  void remember_send(const std::string& provider_id, std::int64_t entry_id);

  // sms_accounts.cpp
  core::AdhocCommand assign_command();
  core::AdhocCommand release_command();
  core::AdhocCommand list_command();
  core::AdhocCommand my_number_command();

  core::GatewayContext& context_;
  SmsSettings settings_;
  NumberDirectory numbers_;
  std::shared_ptr<const Provider> provider_;                              // the operator's account
  std::map<std::string, std::shared_ptr<const Provider>> own_providers_;  // user -> own account
  std::unique_ptr<net::CurlMulti> multi_;
  std::unique_ptr<net::HttpClient> http_;
  RateLimiter limiter_;
  std::set<std::string> online_users_;    // bare JIDs with an available resource
  std::set<std::string> known_contacts_;  // "user\ncontact" already introduced
  // Delivery reports that arrived before the send's provider id was recorded, by that id.
  static constexpr std::size_t kMaxEarlyReports = 1000;
  std::map<std::string, StatusReport> early_reports_;
  // The latest sends' provider ids: reports find them before the outbox has committed the id.
  static constexpr std::size_t kRecentSends = 10000;
  std::map<std::string, std::int64_t> recent_sends_;
  std::deque<std::string> recent_order_;
  int consecutive_failures_ = 0;
  bool failing_ = false;
  std::string failure_reason_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

void register_sms_gateway();

}  // namespace junction::sms
