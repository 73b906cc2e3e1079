#pragma once
// The seam between the SMS gateway and a provider's HTTP API: build the request that sends a
// message, read what the provider answered, and check and read its webhooks. A Provider does
// no I/O of its own, so each one is tested on strings alone; the gateway runs the requests on
// net::HttpClient and routes the webhooks from net::HttpServer.
// Providers are immutable after construction: const methods are safe from any thread.
#include "gateways/sms/codec.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::sms {

using HeaderMap = std::multimap<std::string, std::string>;  // names lower-cased

struct OutboundSms {
  std::string from, to, body;  // numbers normalized (E.164 or short code digits)
  std::vector<std::string> media_urls{};
  // Junction's own id for the message (the outbox entry). Kannel reports delivery by it.
  std::string idempotency_key{};
  // Where delivery reports go; empty means public_url/webhooks/<gateway name>/status.
  std::string status_callback{};
};

// Field for field what net::HttpClientRequest takes.
struct ProviderRequest {
  std::string method = "POST";
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string basic_user{}, basic_password{};  // Basic auth when basic_user is not empty
};

// The provider's answer, as net::HttpClientResponse carries it.
struct HttpReply {
  int status = 0;
  HeaderMap headers{};
  std::string body{};
};

enum class SendKind {
  success,
  transient,  // retry later: throttling, provider outage, network trouble
  permanent,  // don't retry; tell the sender `error`
};

struct SendResult {
  SendKind kind = SendKind::permanent;
  std::string provider_id{};  // the provider's message id on success (for status reports)
  std::string error{};        // the provider's reason, human-readable, on failure
  std::optional<std::chrono::seconds> retry_after{};  // when the provider said how long
  // A long text the provider sent as several SMS, each with its own id and delivery report
  // (Vonage): every part's id, in order, provider_id first. Empty for one id per message.
  std::vector<std::string> part_ids{};
};

// A transport failure (connect, TLS, timeout): the message may not have reached the provider.
SendResult transport_failure(std::string reason);

// One part of a long text that the provider hands over part by part (Vonage's concat-*).
struct ConcatPart {
  std::string ref;  // the sender's reference, shared by the parts of one text
  int total = 1;
  int part = 1;  // 1-based
};

struct InboundSms {
  std::string provider_id;  // de-duplication key
  std::string from, to;     // as the provider wrote them ('+' added where it is implied)
  std::string body;
  std::vector<std::string> media_urls{};
  std::optional<ConcatPart> concat{};  // set when this is one part of a longer text
};

enum class DeliveryStatus { queued, sent, delivered, undelivered, failed };
std::string_view status_name(DeliveryStatus status);
// undelivered and failed: the sender should hear about it.
inline bool is_failure(DeliveryStatus s) { return s == DeliveryStatus::undelivered || s == DeliveryStatus::failed; }

struct StatusReport {
  std::string provider_id;  // as SendResult::provider_id (Kannel: the idempotency key)
  DeliveryStatus status = DeliveryStatus::queued;
  std::string error{};  // the provider's reason for undelivered/failed, when it gave one
};

struct WebhookRequest {
  std::string method;  // "GET", "POST"
  std::string url;     // public_url + path + ("?" + query when there is one): what the provider signed
  HeaderMap headers{};
  std::string body{};  // raw, as received
  Params query{};      // the decoded query string
  Params form{};       // the decoded body when it is application/x-www-form-urlencoded

  std::string header(const std::string& lower_name) const;  // first value or ""
  // The first value of `name` in the form body, else in the query; "" when absent.
  std::string param(std::string_view name) const;
};

// Builds a WebhookRequest from what the HTTP server received. `target` is path + query as
// received; `public_url` has no trailing slash.
WebhookRequest make_webhook_request(std::string method, std::string_view public_url, std::string_view target,
                                    HeaderMap headers, std::string body);

// What to answer a provider once a verified webhook is safely stored.
struct WebhookReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body{};
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view kind() const = 0;

  // Fails when the message can't be expressed for this provider (say, a missing id).
  virtual Result<ProviderRequest> build_send(const OutboundSms& sms) const = 0;
  // `sms` is what build_send was given; `reply` the HTTP answer (any status).
  virtual SendResult parse_send_response(const OutboundSms& sms, const HttpReply& reply) const = 0;

  // Signature or shared-token check. False means 403 and nothing stored.
  virtual bool verify(const WebhookRequest& request) const = 0;
  // Call only after verify(). Errors mean a request that is authentic but not understood.
  virtual Result<InboundSms> parse_inbound(const WebhookRequest& request) const = 0;
  virtual Result<StatusReport> parse_status(const WebhookRequest& request) const = 0;
  virtual WebhookReply acknowledge() const { return {}; }
};

// The configuration a provider is built from: the gateway's section, as strings.
struct ProviderSettings {
  std::string gateway_name;            // NAME of [gateways.NAME]: the webhook path segment
  std::string public_url;              // [http] public_url, no trailing slash
  // A user's own account (self-service): the key in its webhook URLs' `account` query
  // parameter, so a report that arrives before its message id is known is still checked
  // with that account's credentials. Empty for the operator's account.
  std::string webhook_account{};
  std::map<std::string, std::string> keys{};  // the section's own keys: provider, api_url, auth_token...
  // Wall clock in Unix seconds, for signature timestamps; tests replace it.
  std::function<std::int64_t()> now_seconds{};

  std::string get(const std::string& key, std::string fallback = {}) const;
  Result<std::string> require(const std::string& key) const;  // error names the missing key
  // public_url/webhooks/NAME/suffix, plus ?account=KEY for a user's own account.
  std::string webhook_url(std::string_view suffix) const;
  std::int64_t now() const;
};

// Builds the provider named by keys["provider"]: twilio | kannel | vonage | telnyx.
Result<std::unique_ptr<Provider>> make_provider(ProviderSettings settings);

}  // namespace junction::sms
