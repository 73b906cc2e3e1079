#pragma once
// Kannel's smsbox (1.4): sendsms over HTTP GET, inbound messages through an sms-service
// get-url, delivery reports through the dlr-url of each send.
// Keys: api_url (the sendsms URL, e.g. http://host:13013/cgi-bin/sendsms), username,
// password, webhook_token (shared secret in the get-url and dlr-url), optional smsc.
// Kannel has no message id of its own in its reply, so a send's provider_id is Junction's
// idempotency key, carried back in the dlr-url.
#include "gateways/sms/provider.hpp"

namespace junction::sms {

class KannelProvider final : public Provider {
 public:
  static Result<std::unique_ptr<Provider>> create(ProviderSettings settings);

  std::string_view kind() const override { return "kannel"; }
  Result<ProviderRequest> build_send(const OutboundSms& sms) const override;
  SendResult parse_send_response(const OutboundSms& sms, const HttpReply& reply) const override;
  bool verify(const WebhookRequest& request) const override;
  Result<InboundSms> parse_inbound(const WebhookRequest& request) const override;
  Result<StatusReport> parse_status(const WebhookRequest& request) const override;

 private:
  explicit KannelProvider(ProviderSettings settings);
  ProviderSettings settings_;
  std::string api_url_, token_;
};

}  // namespace junction::sms
