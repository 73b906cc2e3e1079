#include "gateways/sms/twilio.hpp"

#include "gateways/sms/crypto.hpp"
#include "gateways/sms/provider_common.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>
#include <set>

namespace junction::sms {

namespace {

// Twilio signs the URL it was configured with; a proxy in front of Junction may add or drop
// the default port, so both spellings are accepted, as Twilio's libraries do.
std::vector<std::string> url_variants(const std::string& url) {
  std::vector<std::string> out{url};
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return out;
  std::string scheme = url.substr(0, scheme_end);
  std::string port = scheme == "https" ? ":443" : scheme == "http" ? ":80" : "";
  if (port.empty()) return out;
  auto host_begin = scheme_end + 3;
  auto host_end = url.find_first_of("/?#", host_begin);
  if (host_end == std::string::npos) host_end = url.size();
  std::string authority = url.substr(host_begin, host_end - host_begin);
  auto at = authority.rfind('@');
  auto colon = authority.find(':', at == std::string::npos ? 0 : at);
  std::string alt = url;
  if (colon == std::string::npos) {
    alt.insert(host_end, port);
  } else if (authority.substr(colon) == port) {
    alt.erase(host_begin + colon, port.size());
  } else {
    return out;
  }
  out.push_back(alt);
  return out;
}

// Twilio's delivery error codes, for a reason a user can read (the status callback carries
// only the number).
std::string delivery_error(std::string_view code) {
  if (code.empty()) return {};
  static const std::pair<std::string_view, std::string_view> known[] = {
      {"30001", "queue overflow"},
      {"30002", "account suspended"},
      {"30003", "unreachable destination handset"},
      {"30004", "message blocked"},
      {"30005", "unknown destination handset"},
      {"30006", "landline or unreachable carrier"},
      {"30007", "message filtered by the carrier"},
      {"30008", "unknown error"},
      {"30034", "sender not registered for A2P 10DLC"},
      {"21610", "the recipient has unsubscribed (replied STOP)"},
  };
  for (auto [c, text] : known) {
    if (c == code) return fmt::format("{} (Twilio error {})", text, code);
  }
  return fmt::format("Twilio error {}", code);
}

std::string lower_hex(std::string_view hex) {
  std::string out(hex);
  for (char& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A field of the webhook: form or query first, else a top-level member of a JSON body.
std::string field(const WebhookRequest& request, std::string_view name) {
  if (auto value = request.param(name); !value.empty()) return value;
  if (!request.header("content-type").starts_with("application/json")) return {};
  auto json = parse_json(request.body);
  if (!json || !json->isObject()) return {};
  return json_string(*json, std::string(name).c_str());
}

std::optional<DeliveryStatus> map_status(std::string_view s) {
  if (s == "accepted" || s == "scheduled" || s == "queued") return DeliveryStatus::queued;
  if (s == "sending" || s == "sent") return DeliveryStatus::sent;
  if (s == "delivered" || s == "read") return DeliveryStatus::delivered;
  if (s == "undelivered") return DeliveryStatus::undelivered;
  if (s == "failed" || s == "canceled") return DeliveryStatus::failed;
  return std::nullopt;
}

}  // namespace

std::string twilio_signature(std::string_view auth_token, std::string_view url, const Params& params) {
  std::set<std::pair<std::string, std::string>> sorted(params.begin(), params.end());
  std::string data(url);
  for (const auto& [name, value] : sorted) {
    data += name;
    data += value;
  }
  return base64_encode(hmac(Digest::sha1, auth_token, data));
}

TwilioProvider::TwilioProvider(ProviderSettings settings) : settings_(std::move(settings)) {
  api_url_ = without_trailing_slash(settings_.get("api_url", "https://api.twilio.com"));
  account_sid_ = settings_.get("account_sid");
  auth_token_ = settings_.get("auth_token");
}

Result<std::unique_ptr<Provider>> TwilioProvider::create(ProviderSettings settings) {
  for (const char* key : {"account_sid", "auth_token"}) {
    if (auto v = settings.require(key); !v) return std::unexpected(v.error());
  }
  return std::unique_ptr<Provider>(new TwilioProvider(std::move(settings)));
}

Result<ProviderRequest> TwilioProvider::build_send(const OutboundSms& sms) const {
  if (sms.body.empty() && sms.media_urls.empty()) return fail("an empty message");
  Params form{{"To", sms.to}, {"From", sms.from}};
  if (!sms.body.empty()) form.emplace_back("Body", sms.body);
  for (const auto& url : sms.media_urls) form.emplace_back("MediaUrl", url);
  form.emplace_back("StatusCallback",
                    sms.status_callback.empty() ? settings_.webhook_url("status") : sms.status_callback);
  ProviderRequest request;
  request.method = "POST";
  request.url = fmt::format("{}/2010-04-01/Accounts/{}/Messages.json", api_url_, url_encode(account_sid_));
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = form_encode(form);
  request.basic_user = account_sid_;
  request.basic_password = auth_token_;
  return request;
}

SendResult TwilioProvider::parse_send_response(const OutboundSms&, const HttpReply& reply) const {
  auto json = parse_json(reply.body);
  if (reply.status >= 200 && reply.status < 300) {
    std::string sid = json ? json_string(*json, "sid") : std::string{};
    // Twilio created the message; retrying would send it twice, so a missing sid only costs
    // the delivery report.
    if (sid.empty()) log::warn("sms", "Twilio accepted a message but sent no sid: {}", reply.body.substr(0, 200));
    return SendResult{SendKind::success, sid, {}, std::nullopt};
  }
  std::string code = json ? json_string(*json, "code") : std::string{};
  std::string message = json ? json_string(*json, "message") : std::string{};
  std::string reason = message.empty() ? short_reason(reply.body, reply.status)
                       : code.empty()   ? message
                                        : fmt::format("{} (Twilio error {})", message, code);
  if (code == "20003") {
    // Bad credentials are the operator's problem, not the sender's: say so where they look.
    log::error("sms", "Twilio refused the credentials of gateway {}: check account_sid and auth_token",
               settings_.gateway_name);
  }
  bool transient = is_retryable_status(reply.status) || code == "20429";
  return SendResult{transient ? SendKind::transient : SendKind::permanent, {}, reason, retry_after(reply.headers)};
}

bool twilio_body_matches(std::string_view body, std::string_view body_sha256) {
  return !body_sha256.empty() && constant_time_equal(hex_encode(digest(Digest::sha256, body)), lower_hex(body_sha256));
}

bool TwilioProvider::verify(const WebhookRequest& request) const {
  std::string given = request.header("x-twilio-signature");
  if (given.empty()) return false;
  // A GET carries its parameters in the URL, which is signed as it is. A body that is not a
  // form (JSON) is signed through its SHA-256 in the URL's bodySHA256 parameter instead.
  const Params none;
  const bool body_hashed = has_param(request.query, "bodySHA256");
  if (body_hashed && !twilio_body_matches(request.body, param(request.query, "bodySHA256"))) return false;
  const Params& params = request.method == "POST" && !body_hashed ? request.form : none;
  bool ok = false;
  for (const auto& url : url_variants(request.url)) {
    ok |= constant_time_equal(twilio_signature(auth_token_, url, params), given);
  }
  return ok;
}

Result<InboundSms> TwilioProvider::parse_inbound(const WebhookRequest& request) const {
  InboundSms sms;
  sms.provider_id = field(request, "MessageSid");
  if (sms.provider_id.empty()) sms.provider_id = field(request, "SmsSid");
  sms.from = field(request, "From");
  sms.to = field(request, "To");
  sms.body = field(request, "Body");
  if (sms.provider_id.empty() || sms.from.empty() || sms.to.empty()) {
    return fail("a Twilio message webhook without MessageSid, From or To");
  }
  std::string count_text = field(request, "NumMedia");
  unsigned count = 0;
  std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
  for (unsigned i = 0; i < std::min(count, 10u); ++i) {  // Twilio's MMS limit is 10
    auto url = field(request, fmt::format("MediaUrl{}", i));
    if (!url.empty()) sms.media_urls.push_back(std::move(url));
  }
  return sms;
}

Result<StatusReport> TwilioProvider::parse_status(const WebhookRequest& request) const {
  StatusReport report;
  report.provider_id = field(request, "MessageSid");
  if (report.provider_id.empty()) report.provider_id = field(request, "SmsSid");
  std::string status = field(request, "MessageStatus");
  if (status.empty()) status = field(request, "SmsStatus");
  if (report.provider_id.empty()) return fail("a Twilio status callback without MessageSid");
  auto mapped = map_status(status);
  if (!mapped) return fail(fmt::format("an unknown Twilio message status \"{}\"", status));
  report.status = *mapped;
  if (is_failure(report.status)) {
    report.error = delivery_error(field(request, "ErrorCode"));
    if (report.error.empty()) report.error = fmt::format("Twilio reports the message {}", status);
  }
  return report;
}

WebhookReply TwilioProvider::acknowledge() const {
  return {200, "text/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"};
}

}  // namespace junction::sms
