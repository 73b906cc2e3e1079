#include "gateways/sms/kannel.hpp"

#include "gateways/sms/crypto.hpp"
#include "gateways/sms/provider_common.hpp"
#include "gateways/sms/segments.hpp"

#include <fmt/format.h>

namespace junction::sms {

namespace {

// dlr-mask 31: delivered, undelivered, buffered, SMSC accepted, SMSC rejected.
constexpr std::string_view kAllReports = "31";

}  // namespace

KannelProvider::KannelProvider(ProviderSettings settings) : settings_(std::move(settings)) {
  api_url_ = settings_.get("api_url");
  token_ = settings_.get("webhook_token");
}

Result<std::unique_ptr<Provider>> KannelProvider::create(ProviderSettings settings) {
  for (const char* key : {"api_url", "username", "password", "webhook_token"}) {
    if (auto v = settings.require(key); !v) return std::unexpected(v.error());
  }
  return std::unique_ptr<Provider>(new KannelProvider(std::move(settings)));
}

Result<ProviderRequest> KannelProvider::build_send(const OutboundSms& sms) const {
  if (sms.idempotency_key.empty()) return fail("a Kannel send needs the message's id for its delivery reports");
  std::string text = body_with_media_links(sms);
  if (text.empty()) return fail("an empty message");
  // Kannel substitutes %d itself; the id and token are ours.
  std::string dlr_url = append_query(
      sms.status_callback.empty() ? settings_.webhook_url("status") : sms.status_callback,
      fmt::format("token={}&id={}&status=%d", url_encode(token_), url_encode(sms.idempotency_key)));
  // With charset=UTF-8 Kannel converts the text itself; coding says which alphabet the SMSC
  // gets (0: GSM 7-bit, 2: UCS-2).
  Params query{{"username", settings_.get("username")},
               {"password", settings_.get("password")},
               {"from", sms.from},
               {"to", sms.to},
               {"text", text},
               {"charset", "UTF-8"},
               {"coding", count_segments(text).encoding == Encoding::gsm7 ? "0" : "2"},
               {"dlr-mask", std::string(kAllReports)},
               {"dlr-url", dlr_url}};
  if (auto smsc = settings_.get("smsc"); !smsc.empty()) query.emplace_back("smsc", smsc);
  ProviderRequest request;
  request.method = "GET";
  // Spaces as %20 rather than '+': a query string, not a form body, whatever decodes it.
  std::string encoded;
  for (const auto& [name, value] : query) {
    if (!encoded.empty()) encoded += '&';
    encoded += url_encode(name) + '=' + url_encode(value);
  }
  request.url = append_query(api_url_, encoded);
  return request;
}

SendResult KannelProvider::parse_send_response(const OutboundSms& sms, const HttpReply& reply) const {
  std::string_view body = reply.body;
  // "0: Accepted for delivery" and "3: Queued for later delivery" both mean Kannel has it.
  if (reply.status >= 200 && reply.status < 300 && (body.starts_with("0:") || body.starts_with("3:"))) {
    return SendResult{SendKind::success, sms.idempotency_key, {}, std::nullopt};
  }
  std::string reason = fmt::format("Kannel: {}", short_reason(body, reply.status));
  // A 2xx without a known code is taken as a refusal rather than retried into a duplicate.
  SendKind kind = is_retryable_status(reply.status) ? SendKind::transient : SendKind::permanent;
  return SendResult{kind, {}, reason, retry_after(reply.headers)};
}

bool KannelProvider::verify(const WebhookRequest& request) const {
  std::string given = request.param("token");
  return !given.empty() && constant_time_equal(given, token_);
}

Result<InboundSms> KannelProvider::parse_inbound(const WebhookRequest& request) const {
  InboundSms sms;
  sms.provider_id = request.param("id");
  sms.from = request.param("from");
  sms.to = request.param("to");
  sms.body = request.param("text");
  if (sms.provider_id.empty() || sms.from.empty() || sms.to.empty()) {
    return fail("a Kannel message without id, from or to (get-url needs id=%I&from=%p&to=%P)");
  }
  return sms;
}

Result<StatusReport> KannelProvider::parse_status(const WebhookRequest& request) const {
  StatusReport report;
  report.provider_id = request.param("id");
  std::string status = request.param("status");
  if (report.provider_id.empty()) return fail("a Kannel delivery report without id");
  if (status == "1") {
    report.status = DeliveryStatus::delivered;
  } else if (status == "2") {
    report.status = DeliveryStatus::undelivered;
    report.error = "the phone network could not deliver the message";
  } else if (status == "4") {
    report.status = DeliveryStatus::queued;
  } else if (status == "8") {
    report.status = DeliveryStatus::sent;
  } else if (status == "16") {
    report.status = DeliveryStatus::failed;
    report.error = "the SMS centre rejected the message";
  } else {
    return fail(fmt::format("an unknown Kannel delivery report type \"{}\"", status));
  }
  return report;
}

}  // namespace junction::sms
