#include "gateways/sms/telnyx.hpp"

#include "gateways/sms/crypto.hpp"
#include "gateways/sms/provider_common.hpp"
#include "util/log.hpp"

#include <json/writer.h>

#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

namespace junction::sms {

namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "title: detail (Telnyx error code)" from the first entry of an errors[] array.
std::string first_error(const Json::Value& errors) {
  if (!errors.isArray() || errors.empty()) return {};
  const Json::Value& e = errors[0];
  std::string title = json_string(e, "title"), detail = json_string(e, "detail"), code = json_string(e, "code");
  std::string text = title.empty() ? detail : detail.empty() || detail == title ? title : title + ": " + detail;
  if (text.empty()) text = "refused";
  return code.empty() ? text : fmt::format("{} (Telnyx error {})", text, code);
}

struct Event {
  std::string type;
  Json::Value payload;
};

Result<Event> parse_event(const WebhookRequest& request) {
  auto json = parse_json(request.body);
  if (!json || !json->isObject() || !(*json)["data"].isObject()) return fail("a Telnyx webhook that is not a JSON event");
  const Json::Value& data = (*json)["data"];
  return Event{json_string(data, "event_type"), data["payload"]};
}

std::optional<DeliveryStatus> map_status(std::string_view s) {
  if (s == "queued" || s == "sending") return DeliveryStatus::queued;
  if (s == "sent" || s == "delivery_unconfirmed") return DeliveryStatus::sent;
  if (s == "delivered") return DeliveryStatus::delivered;
  if (s == "delivery_failed" || s == "expired") return DeliveryStatus::undelivered;
  if (s == "sending_failed" || s == "failed") return DeliveryStatus::failed;
  return std::nullopt;
}

}  // namespace

TelnyxProvider::TelnyxProvider(ProviderSettings settings, std::string public_key, std::int64_t tolerance)
    : settings_(std::move(settings)), public_key_(std::move(public_key)), tolerance_(tolerance) {
  api_url_ = without_trailing_slash(settings_.get("api_url", "https://api.telnyx.com"));
  api_key_ = settings_.get("api_key");
}

Result<std::unique_ptr<Provider>> TelnyxProvider::create(ProviderSettings settings) {
  auto api_key = settings.require("api_key");
  if (!api_key) return std::unexpected(api_key.error());
  auto encoded = settings.require("public_key");
  if (!encoded) return std::unexpected(encoded.error());
  auto key = base64_decode(*encoded);
  if (!key || key->size() != 32) return fail("telnyx public_key must be the base64 of a 32-byte Ed25519 key");
  auto tolerance = to_int(settings.get("signature_tolerance", "300"));
  if (!tolerance || *tolerance <= 0) return fail("telnyx signature_tolerance must be a positive number of seconds");
  return std::unique_ptr<Provider>(new TelnyxProvider(std::move(settings), std::move(*key), *tolerance));
}

Result<ProviderRequest> TelnyxProvider::build_send(const OutboundSms& sms) const {
  if (sms.body.empty() && sms.media_urls.empty()) return fail("an empty message");
  Json::Value body(Json::objectValue);
  body["to"] = sms.to;
  if (!sms.from.empty()) body["from"] = sms.from;
  if (auto profile = settings_.get("messaging_profile_id"); !profile.empty()) body["messaging_profile_id"] = profile;
  if (!sms.body.empty()) body["text"] = sms.body;
  if (!sms.media_urls.empty()) {
    Json::Value& media = body["media_urls"] = Json::Value(Json::arrayValue);
    for (const auto& url : sms.media_urls) media.append(url);
  }
  body["webhook_url"] = sms.status_callback.empty() ? settings_.webhook_url("status") : sms.status_callback;
  Json::StreamWriterBuilder writer;
  writer["indentation"] = "";
  writer["emitUTF8"] = true;
  ProviderRequest request;
  request.method = "POST";
  request.url = api_url_ + "/v2/messages";
  request.headers = {{"Authorization", "Bearer " + api_key_},
                     {"Content-Type", "application/json"},
                     {"Accept", "application/json"}};
  request.body = Json::writeString(writer, body);
  return request;
}

SendResult TelnyxProvider::parse_send_response(const OutboundSms&, const HttpReply& reply) const {
  auto json = parse_json(reply.body);
  if (reply.status >= 200 && reply.status < 300) {
    std::string id = json && (*json)["data"].isObject() ? json_string((*json)["data"], "id") : std::string{};
    if (id.empty()) log::warn("sms", "Telnyx accepted a message but sent no id: {}", reply.body.substr(0, 200));
    return SendResult{SendKind::success, id, {}, std::nullopt};
  }
  std::string reason = json ? first_error((*json)["errors"]) : std::string{};
  if (reason.empty()) reason = short_reason(reply.body, reply.status);
  if (reply.status == 401 || reply.status == 403) {
    log::error("sms", "Telnyx refused the API key of gateway {}: {}", settings_.gateway_name, reason);
  }
  SendKind kind = is_retryable_status(reply.status) ? SendKind::transient : SendKind::permanent;
  return SendResult{kind, {}, reason, retry_after(reply.headers)};
}

bool TelnyxProvider::verify(const WebhookRequest& request) const {
  auto signature = base64_decode(request.header("telnyx-signature-ed25519"));
  std::string timestamp = request.header("telnyx-timestamp");
  auto when = to_int(timestamp);
  if (!signature || !when) return false;
  // The timestamp is signed too, so an old capture can't be replayed with a fresh one.
  if (std::llabs(settings_.now() - *when) > tolerance_) return false;
  return ed25519_verify(public_key_, timestamp + "|" + request.body, *signature);
}

Result<InboundSms> TelnyxProvider::parse_inbound(const WebhookRequest& request) const {
  auto event = parse_event(request);
  if (!event) return std::unexpected(event.error());
  if (event->type != "message.received") {
    return fail(fmt::format("a Telnyx \"{}\" event where a received message was expected", event->type));
  }
  const Json::Value& p = event->payload;
  InboundSms sms;
  sms.provider_id = json_string(p, "id");
  sms.from = p["from"].isObject() ? json_string(p["from"], "phone_number") : std::string{};
  if (p["to"].isArray() && !p["to"].empty()) sms.to = json_string(p["to"][0], "phone_number");
  sms.body = json_string(p, "text");
  if (p["media"].isArray()) {
    for (const auto& m : p["media"]) {
      if (auto url = json_string(m, "url"); !url.empty()) sms.media_urls.push_back(std::move(url));
    }
  }
  if (sms.provider_id.empty() || sms.from.empty() || sms.to.empty()) {
    return fail("a Telnyx message.received event without id, from or to");
  }
  return sms;
}

Result<StatusReport> TelnyxProvider::parse_status(const WebhookRequest& request) const {
  auto event = parse_event(request);
  if (!event) return std::unexpected(event.error());
  if (event->type != "message.sent" && event->type != "message.finalized") {
    return fail(fmt::format("a Telnyx \"{}\" event where a delivery status was expected", event->type));
  }
  const Json::Value& p = event->payload;
  StatusReport report;
  report.provider_id = json_string(p, "id");
  std::string status = p["to"].isArray() && !p["to"].empty() ? json_string(p["to"][0], "status") : std::string{};
  if (report.provider_id.empty()) return fail("a Telnyx status event without id");
  auto mapped = map_status(status);
  if (!mapped) return fail(fmt::format("an unknown Telnyx delivery status \"{}\"", status));
  report.status = *mapped;
  if (is_failure(report.status)) {
    report.error = first_error(p["errors"]);
    if (report.error.empty()) report.error = fmt::format("Telnyx reports the message {}", status);
  }
  return report;
}

}  // namespace junction::sms
