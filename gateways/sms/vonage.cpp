#include "gateways/sms/vonage.hpp"

#include "gateways/sms/provider_common.hpp"
#include "gateways/sms/segments.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/format.h>

namespace junction::sms {

namespace {

std::string strip_plus(std::string_view number) {
  return std::string(number.starts_with('+') ? number.substr(1) : number);
}

// Vonage writes numbers in international format without the '+'; alphanumeric senders stay.
std::string with_plus(std::string number) {
  bool digits = !number.empty() && std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  return digits && number.size() > 8 ? "+" + number : number;
}

// Parameters from the query, a form body or a JSON body (the dashboard's "POST-JSON").
Params collect(const WebhookRequest& request) {
  Params all = request.query;
  all.insert(all.end(), request.form.begin(), request.form.end());
  if (request.header("content-type").starts_with("application/json")) {
    if (auto json = parse_json(request.body); json && json->isObject()) {
      for (const auto& name : json->getMemberNames()) all.emplace_back(name, json_string(*json, name.c_str()));
    }
  }
  return all;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// The SMS API's send status codes: the ones worth retrying are throttling and Vonage's own
// trouble.
bool retryable_send_status(std::string_view status) { return status == "1" || status == "5"; }

// The delivery receipt's err-code, in words.
std::string receipt_error(std::string_view code, std::string_view status) {
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"1", "unknown error"},
      {"2", "the recipient is temporarily absent"},
      {"3", "the recipient is permanently absent"},
      {"4", "the recipient has barred calls"},
      {"5", "number portability error"},
      {"6", "rejected as spam"},
      {"7", "the handset is busy"},
      {"8", "network error"},
      {"9", "illegal number"},
      {"10", "illegal message"},
      {"11", "unroutable"},
      {"12", "destination unreachable"},
      {"13", "subscriber age restriction"},
      {"14", "the carrier blocked the number"},
      {"15", "prepaid subscriber out of credit"},
      {"99", "general error"},
  };
  for (auto [c, text] : known) {
    if (c == code) return fmt::format("{} (Vonage error {})", text, code);
  }
  if (!code.empty() && code != "0") return fmt::format("Vonage error {}", code);
  return fmt::format("Vonage reports the message {}", status);
}

}  // namespace

std::string vonage_signature(const Params& params, std::string_view secret, std::optional<Digest> hmac_digest) {
  Params sorted;
  for (const auto& p : params) {
    if (p.first != "sig") sorted.push_back(p);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string data;
  for (auto [name, value] : sorted) {
    std::replace(value.begin(), value.end(), '&', '_');
    std::replace(value.begin(), value.end(), '=', '_');
    data += '&' + name + '=' + value;
  }
  if (!hmac_digest) return hex_encode(digest(Digest::md5, data + std::string(secret)));
  return hex_encode(hmac(*hmac_digest, secret, data));
}

VonageProvider::VonageProvider(ProviderSettings settings, std::optional<Digest> hmac_digest)
    : settings_(std::move(settings)), hmac_digest_(hmac_digest) {
  api_url_ = settings_.get("api_url", "https://rest.nexmo.com/sms/json");
  signature_secret_ = settings_.get("signature_secret");
  token_ = settings_.get("webhook_token");
}

Result<std::unique_ptr<Provider>> VonageProvider::create(ProviderSettings settings) {
  for (const char* key : {"api_key", "api_secret"}) {
    if (auto v = settings.require(key); !v) return std::unexpected(v.error());
  }
  if (settings.get("signature_secret").empty() && settings.get("webhook_token").empty()) {
    return fail("provider \"vonage\" needs \"signature_secret\" or \"webhook_token\" to check its webhooks");
  }
  std::string method = settings.get("signature_method", "md5hash");
  std::optional<Digest> digest;
  if (method == "md5") {
    digest = Digest::md5;
  } else if (method == "sha1") {
    digest = Digest::sha1;
  } else if (method == "sha256") {
    digest = Digest::sha256;
  } else if (method == "sha512") {
    digest = Digest::sha512;
  } else if (method != "md5hash") {
    return fail(fmt::format("unknown signature_method \"{}\" (md5hash | md5 | sha1 | sha256 | sha512)", method));
  }
  return std::unique_ptr<Provider>(new VonageProvider(std::move(settings), digest));
}

Result<ProviderRequest> VonageProvider::build_send(const OutboundSms& sms) const {
  std::string text = body_with_media_links(sms);
  if (text.empty()) return fail("an empty message");
  Params form{{"api_key", settings_.get("api_key")},
              {"api_secret", settings_.get("api_secret")},
              {"from", strip_plus(sms.from)},
              {"to", strip_plus(sms.to)},
              {"text", text}};
  if (count_segments(text).encoding == Encoding::ucs2) form.emplace_back("type", "unicode");
  // Vonage caps client-ref at 100 characters; it is only an echo for our logs.
  if (!sms.idempotency_key.empty()) form.emplace_back("client-ref", sms.idempotency_key.substr(0, 100));
  form.emplace_back("status-report-req", "1");
  form.emplace_back("callback", sms.status_callback.empty() ? settings_.webhook_url("status") : sms.status_callback);
  ProviderRequest request;
  request.method = "POST";
  request.url = api_url_;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = form_encode(form);
  return request;
}

SendResult VonageProvider::parse_send_response(const OutboundSms&, const HttpReply& reply) const {
  auto json = parse_json(reply.body);
  if (reply.status < 200 || reply.status >= 300 || !json || !(*json)["messages"].isArray()) {
    SendKind kind = is_retryable_status(reply.status) ? SendKind::transient : SendKind::permanent;
    std::string title = json ? json_string(*json, "title") : std::string{};
    return SendResult{kind, {}, title.empty() ? short_reason(reply.body, reply.status) : title,
                      retry_after(reply.headers)};
  }
  // A long text comes back as one entry per part, each with its own id and its own receipt;
  // any failed part fails the message.
  const Json::Value& messages = (*json)["messages"];
  if (messages.empty()) return SendResult{SendKind::permanent, {}, "Vonage accepted no message part", std::nullopt};
  std::string first_id = json_string(messages[0], "message-id");
  for (const auto& part : messages) {
    std::string status = json_string(part, "status");
    if (status == "0") continue;
    std::string text = json_string(part, "error-text");
    std::string reason = fmt::format("{} (Vonage status {})", text.empty() ? "refused" : text, status);
    if (status == "4") log::error("sms", "Vonage refused the credentials of gateway {}", settings_.gateway_name);
    bool retry = retryable_send_status(status);
    // A part already sent would go out again on retry; a partial send is reported instead.
    if (retry && &part != &messages[0]) retry = false;
    return SendResult{retry ? SendKind::transient : SendKind::permanent, {}, reason,
                      retry ? std::optional(std::chrono::seconds(1)) : std::nullopt};
  }
  SendResult result{SendKind::success, first_id, {}, std::nullopt};
  if (messages.size() > 1)
    for (const auto& part : messages) result.part_ids.push_back(json_string(part, "message-id"));
  return result;
}

bool VonageProvider::verify(const WebhookRequest& request) const {
  Params params = collect(request);
  if (signature_secret_.empty()) {
    std::string given(param(request.query, "token"));
    return !given.empty() && constant_time_equal(given, token_);
  }
  std::string given = lower(std::string(param(params, "sig")));
  if (given.empty()) return false;
  // The signed timestamp bounds how long a captured request can be replayed.
  std::string ts(param(params, "timestamp"));
  std::int64_t when = 0;
  auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), when);
  if (ts.empty() || ec != std::errc{} || end != ts.data() + ts.size()) return false;
  if (std::llabs(settings_.now() - when) > tolerance_) return false;
  if (constant_time_equal(lower(vonage_signature(params, signature_secret_, hmac_digest_)), given)) return true;
  // Our own `account` key in the callback URL (users' own accounts) is not one of Vonage's
  // parameters; whether Vonage signs it with the rest, the account's secret is still needed.
  if (!has_param(request.query, "account")) return false;
  std::erase_if(params, [](const auto& p) { return p.first == "account"; });
  return constant_time_equal(lower(vonage_signature(params, signature_secret_, hmac_digest_)), given);
}

Result<InboundSms> VonageProvider::parse_inbound(const WebhookRequest& request) const {
  Params params = collect(request);
  InboundSms sms;
  sms.provider_id = param(params, "messageId");
  sms.from = with_plus(std::string(param(params, "msisdn")));
  sms.to = with_plus(std::string(param(params, "to")));
  sms.body = param(params, "text");
  if (sms.provider_id.empty() || sms.from.empty() || sms.to.empty()) {
    return fail("a Vonage inbound message without messageId, msisdn or to");
  }
  if (param(params, "type") == "binary") return fail("a binary Vonage message, which has no text");
  if (param(params, "concat") == "true") {
    ConcatPart part;
    part.ref = param(params, "concat-ref");
    auto number = [&](std::string_view name) {
      std::string text(param(params, name));
      int value = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      return ec == std::errc{} && end == text.data() + text.size() ? value : 0;
    };
    part.total = number("concat-total");
    part.part = number("concat-part");
    // Vonage's concatenation header holds at most 255 parts.
    if (part.ref.empty() || part.total < 1 || part.total > 255 || part.part < 1 || part.part > part.total)
      return fail("a Vonage message part with bad concat-ref, concat-total or concat-part");
    if (part.total > 1) sms.concat = std::move(part);
  }
  return sms;
}

Result<StatusReport> VonageProvider::parse_status(const WebhookRequest& request) const {
  Params params = collect(request);
  StatusReport report;
  report.provider_id = param(params, "messageId");
  std::string status(param(params, "status"));
  if (report.provider_id.empty()) return fail("a Vonage delivery receipt without messageId");
  if (status == "delivered") {
    report.status = DeliveryStatus::delivered;
  } else if (status == "accepted" || status == "buffered" || status == "unknown") {
    report.status = DeliveryStatus::sent;
  } else if (status == "expired") {
    report.status = DeliveryStatus::undelivered;
  } else if (status == "failed" || status == "rejected") {
    report.status = DeliveryStatus::failed;
  } else {
    return fail(fmt::format("an unknown Vonage delivery status \"{}\"", status));
  }
  if (is_failure(report.status)) report.error = receipt_error(param(params, "err-code"), status);
  return report;
}

}  // namespace junction::sms
