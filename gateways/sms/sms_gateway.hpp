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

// The key naming a user's own account in its webhook URLs (?account=KEY): the account's
// number without its '+'. Numbers have one owner, so the key finds the account.
std::string account_key(std::string_view number);

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
  // Whose own account an `account` key from a webhook URL names; nullopt when none.
  std::optional<std::string> own_account_owner(const std::string& key) const;
  // Who signs the reports of a user's texts: the user when they send through their own
  // account, "" for the operator's.
  std::string signer_of(const std::string& user) const;
  xmpp::Jid contact_jid(const std::string& number) const;
  static std::string display_contact(std::string_view node);  // "+1 555-…", or a sender ID
  void note_send_result(SendKind kind, const std::string& error);
  void broadcast_health();
  xmpp::Element health_presence() const;

  // sms_outbound.cpp
  void send_sms(const store::OutboxEntry& entry, std::function<void(core::SendOutcome)> done);
  void dispatch(std::int64_t entry_id, std::string signer, std::shared_ptr<const Provider> provider, OutboundSms sms,
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
  // `name`: the nick to show; empty means the number (or sender ID) in a readable form.
  void introduce_contact(const std::string& owner, const xmpp::Jid& contact, const std::string& name = {});
  // A receipt or a failure message for a sent text, stored durably; `done` when stored.
  void apply_report(const store::OutboxEntry& entry, const StatusReport& report, std::string_view kind,
                    std::function<void(Result<bool>)> done);
  void apply_early_report(std::int64_t entry_id, const std::string& provider_id, const std::string& signer,
                          std::string_view kind);
  void remember_send(const std::string& provider_id, std::int64_t entry_id);
  // The message stanza of an inbound text, delivered durably under `key` ("in:" + key).
  void deliver_text(const std::string& owner, const xmpp::Jid& contact, const std::string& key, const std::string& body,
                    const std::vector<std::string>& media, std::function<void(Result<bool>)> done);

  // sms_multipart.cpp
  // Stores one part of a long inbound text; delivers the text once it is whole.
  void collect_part(const InboundSms& sms, const std::string& owner, const xmpp::Jid& contact,
                    std::function<void(Result<bool>)> done);
  // Delivers a stored text once all its parts are there, or as it is when `force`.
  void complete_text(const std::string& group, bool force, std::function<void(Result<bool>)> done);
  void arm_concat_timer(const std::string& group, std::chrono::milliseconds delay);
  void resume_long_texts();  // at start: texts whose parts were stored before a restart
  struct SentPart {
    std::int64_t entry_id = 0;
    int index = 0, count = 1;
  };
  void remember_parts(std::int64_t entry_id, const std::vector<std::string>& part_ids);
  std::optional<SentPart> sent_part(const std::string& provider_id);
  // Records a delivered part; true once every part of its text is delivered.
  Result<bool> all_parts_delivered(const SentPart& part);
  void forget_part_reports(std::int64_t entry_id);  // once the receipt is stored

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
  // Each was verified with the account named by its URL (`signer`, as signer_of) and is
  // applied only to a text sent through that same account.
  struct EarlyReport {
    StatusReport report;
    std::string signer;
  };
  std::map<std::string, EarlyReport> early_reports_;
  // The latest sends' provider ids: reports find them before the outbox has committed the id.
  static constexpr std::size_t kRecentSends = 10000;
  std::map<std::string, std::int64_t> recent_sends_;
  std::deque<std::string> recent_order_;
  // Long inbound texts waiting for parts, by group (concat_group): their timeout.
  std::map<std::string, std::unique_ptr<asio::steady_timer>> concat_timers_;
  int consecutive_failures_ = 0;
  bool failing_ = false;
  std::string failure_reason_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

void register_sms_gateway();

}  // namespace junction::sms
