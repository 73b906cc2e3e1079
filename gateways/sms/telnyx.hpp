#pragma once
// Telnyx Messaging API v2: POST {api_url}/v2/messages with a Bearer API key, JSON both ways.
// Keys: api_key, public_key (the account's Ed25519 webhook key, base64), api_url (default
// https://api.telnyx.com), messaging_profile_id (optional), signature_tolerance (seconds,
// default 300). Webhooks are JSON events signed with Ed25519 over "timestamp|body".
#include "gateways/sms/provider.hpp"

namespace junction::sms {

class TelnyxProvider final : public Provider {
 public:
  static Result<std::unique_ptr<Provider>> create(ProviderSettings settings);

  std::string_view kind() const override { return "telnyx"; }
  Result<ProviderRequest> build_send(const OutboundSms& sms) const override;
  SendResult parse_send_response(const OutboundSms& sms, const HttpReply& reply) const override;
  bool verify(const WebhookRequest& request) const override;
  // message.received events only.
  Result<InboundSms> parse_inbound(const WebhookRequest& request) const override;
  // message.sent and message.finalized events.
  Result<StatusReport> parse_status(const WebhookRequest& request) const override;

 private:
  TelnyxProvider(ProviderSettings settings, std::string public_key, std::int64_t tolerance);
  ProviderSettings settings_;
  std::string api_url_, api_key_, public_key_;  // public_key_: raw 32 bytes
  std::int64_t tolerance_;
};

}  // namespace junction::sms
