#include "gateways/sms/provider.hpp"

#include "gateways/sms/kannel.hpp"
#include "gateways/sms/telnyx.hpp"
#include "gateways/sms/twilio.hpp"
#include "gateways/sms/vonage.hpp"

#include <fmt/format.h>

namespace junction::sms {

SendResult transport_failure(std::string reason) {
  return SendResult{SendKind::transient, {}, std::move(reason), std::nullopt};
}

std::string_view status_name(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::queued: return "queued";
    case DeliveryStatus::sent: return "sent";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::undelivered: return "undelivered";
    case DeliveryStatus::failed: return "failed";
  }
  return "unknown";
}

std::string WebhookRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string{} : it->second;
}

std::string WebhookRequest::param(std::string_view name) const {
  if (has_param(form, name)) return std::string(sms::param(form, name));
  return std::string(sms::param(query, name));
}

WebhookRequest make_webhook_request(std::string method, std::string_view public_url, std::string_view target,
                                    HeaderMap headers, std::string body) {
  WebhookRequest request;
  request.method = std::move(method);
  request.url = std::string(public_url) + std::string(target);
  auto q = target.find('?');
  if (q != std::string_view::npos) request.query = parse_form(target.substr(q + 1));
  auto type = headers.find("content-type");
  // Parameters such as "; charset=utf-8" may follow the media type.
  if (type != headers.end() && type->second.starts_with("application/x-www-form-urlencoded")) {
    request.form = parse_form(body);
  }
  request.headers = std::move(headers);
  request.body = std::move(body);
  return request;
}

std::string ProviderSettings::get(const std::string& key, std::string fallback) const {
  auto it = keys.find(key);
  return it == keys.end() || it->second.empty() ? fallback : it->second;
}

Result<std::string> ProviderSettings::require(const std::string& key) const {
  auto value = get(key);
  if (value.empty()) {
    return fail(fmt::format("provider \"{}\" needs the key \"{}\"", get("provider"), key));
  }
  return value;
}

std::string ProviderSettings::webhook_url(std::string_view suffix) const {
  auto url = fmt::format("{}/webhooks/{}/{}", public_url, gateway_name, suffix);
  if (!webhook_account.empty()) url += "?account=" + url_encode(webhook_account);
  return url;
}

std::int64_t ProviderSettings::now() const {
  if (now_seconds) return now_seconds();
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

Result<std::unique_ptr<Provider>> make_provider(ProviderSettings settings) {
  auto kind = settings.get("provider");
  if (kind == "twilio") return TwilioProvider::create(std::move(settings));
  if (kind == "kannel") return KannelProvider::create(std::move(settings));
  if (kind == "vonage") return VonageProvider::create(std::move(settings));
  if (kind == "telnyx") return TelnyxProvider::create(std::move(settings));
  if (kind.empty()) return fail("the key \"provider\" is missing (twilio | kannel | vonage | telnyx)");
  return fail(fmt::format("unknown provider \"{}\" (twilio | kannel | vonage | telnyx)", kind));
}

}  // namespace junction::sms
