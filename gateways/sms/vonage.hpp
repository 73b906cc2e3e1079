#pragma once
// Vonage (formerly Nexmo) SMS API: POST https://rest.nexmo.com/sms/json.
// Keys: api_key, api_secret, api_url (default https://rest.nexmo.com/sms/json), and for
// webhooks either signature_secret (+ signature_method: md5hash | md5 | sha1 | sha256 |
// sha512, default md5hash) or webhook_token (a shared secret in the configured webhook URL's
// query). Webhooks may come as GET, form POST or JSON POST, as the dashboard says.
#include "gateways/sms/crypto.hpp"
#include "gateways/sms/provider.hpp"

#include <optional>

namespace junction::sms {

class VonageProvider final : public Provider {
 public:
  static Result<std::unique_ptr<Provider>> create(ProviderSettings settings);

  std::string_view kind() const override { return "vonage"; }
  Result<ProviderRequest> build_send(const OutboundSms& sms) const override;
  SendResult parse_send_response(const OutboundSms& sms, const HttpReply& reply) const override;
  bool verify(const WebhookRequest& request) const override;
  Result<InboundSms> parse_inbound(const WebhookRequest& request) const override;
  Result<StatusReport> parse_status(const WebhookRequest& request) const override;

 private:
  VonageProvider(ProviderSettings settings, std::optional<Digest> hmac_digest);
  ProviderSettings settings_;
  std::string api_url_, signature_secret_, token_;
  std::optional<Digest> hmac_digest_;  // nullopt: the "md5hash" method
  std::int64_t tolerance_ = 300;
};

// The signature of a Vonage webhook: over "&name=value" for every parameter but "sig",
// sorted by name, with '&' and '=' in values replaced by '_'. md5hash (no digest): lower-case
// hex of MD5(string + secret); otherwise hex of HMAC(secret, string). Exposed for tests.
std::string vonage_signature(const Params& params, std::string_view secret, std::optional<Digest> hmac_digest);

}  // namespace junction::sms
