#pragma once
// Twilio Programmable Messaging (REST API 2010-04-01).
// Keys: account_sid, auth_token (API auth and webhook signatures), api_url (default
// https://api.twilio.com). Webhooks: POST forms signed with X-Twilio-Signature; a JSON body
// is signed through the bodySHA256 query parameter (its hex SHA-256), the URL alone signed.
#include "gateways/sms/provider.hpp"

namespace junction::sms {

class TwilioProvider final : public Provider {
 public:
  static Result<std::unique_ptr<Provider>> create(ProviderSettings settings);

  std::string_view kind() const override { return "twilio"; }
  Result<ProviderRequest> build_send(const OutboundSms& sms) const override;
  SendResult parse_send_response(const OutboundSms& sms, const HttpReply& reply) const override;
  bool verify(const WebhookRequest& request) const override;
  Result<InboundSms> parse_inbound(const WebhookRequest& request) const override;
  Result<StatusReport> parse_status(const WebhookRequest& request) const override;
  // An empty TwiML document: Twilio then sends no automatic reply.
  WebhookReply acknowledge() const override;

 private:
  explicit TwilioProvider(ProviderSettings settings);
  ProviderSettings settings_;
  std::string api_url_, account_sid_, auth_token_;
};

// base64(HMAC-SHA1(auth_token, url + name1 + value1 + name2 + value2...)), names sorted and,
// for a repeated name, its distinct values sorted: what Twilio's own validators compute.
std::string twilio_signature(std::string_view auth_token, std::string_view url, const Params& params);

// True when `body` hashes (SHA-256, hex) to `body_sha256`, the bodySHA256 query parameter of a
// webhook with a non-form body (case of the hex digits ignored).
bool twilio_body_matches(std::string_view body, std::string_view body_sha256);

}  // namespace junction::sms
