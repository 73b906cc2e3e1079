#include "gateways/sms/telnyx.hpp"

#include "gateways/sms/provider_common.hpp"
#include "gateways/sms/test_support.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>

namespace junction::sms {
namespace {

using test::reply;

constexpr std::int64_t kNow = 1'700'000'000;

// A fresh Ed25519 key pair per test, standing in for the Telnyx account key.
class Signer {
 public:
  Signer() : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), &EVP_PKEY_free) {}

  std::string public_key_base64() const {
    unsigned char raw[32];
    size_t len = sizeof raw;
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(key_.get(), raw, &len), 1);
    return base64_encode(std::string_view(reinterpret_cast<char*>(raw), len));
  }

  std::string sign(std::string_view message) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()), 1);
    unsigned char sig[64];
    size_t len = sizeof sig;
    EXPECT_EQ(EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                             message.size()),
              1);
    return base64_encode(std::string_view(reinterpret_cast<char*>(sig), len));
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

std::unique_ptr<Provider> telnyx(const Signer& signer, std::int64_t now = kNow) {
  return test::provider({{"provider", "telnyx"}, {"api_key", "KEY0123"}, {"public_key", signer.public_key_base64()}}, now);
}

WebhookRequest event(std::string body, std::string timestamp = "", std::string signature = "") {
  HeaderMap headers{{"content-type", "application/json"}};
  if (!timestamp.empty()) headers.emplace("telnyx-timestamp", timestamp);
  if (!signature.empty()) headers.emplace("telnyx-signature-ed25519", signature);
  return make_webhook_request("POST", "https://gw.example.org", "/webhooks/sms/inbound", std::move(headers),
                              std::move(body));
}

WebhookRequest signed_event(const Signer& signer, std::string body, std::int64_t when = kNow) {
  auto ts = std::to_string(when);
  auto sig = signer.sign(ts + "|" + body);
  return event(std::move(body), ts, sig);
}

const std::string kReceived = R"({"data":{"event_type":"message.received","id":"ev1","payload":{)"
                              R"("id":"b301ed3f-1490-491f-995f-6e64e69674d4","direction":"inbound",)"
                              R"("from":{"phone_number":"+15552223333","carrier":"T-Mobile"},)"
                              R"("to":[{"phone_number":"+15550001111","status":"webhook_delivered"}],)"
                              R"("text":"Hello from Telnyx","media":[{"url":"https://media.telnyx.com/a.jpg",)"
                              R"("content_type":"image/jpeg"}],"type":"MMS"}},"meta":{"attempt":1}})";

TEST(TelnyxSignature, AcceptsAValidSignature) {
  Signer signer;
  EXPECT_TRUE(telnyx(signer)->verify(signed_event(signer, kReceived)));
  EXPECT_TRUE(telnyx(signer, kNow + 300)->verify(signed_event(signer, kReceived)));
}

TEST(TelnyxSignature, RefusesTamperedBody) {
  Signer signer;
  auto request = signed_event(signer, kReceived);
  request.body.replace(request.body.find("Hello"), 5, "Howdy");
  EXPECT_FALSE(telnyx(signer)->verify(request));
}

TEST(TelnyxSignature, RefusesOldOrFutureTimestamps) {
  Signer signer;
  EXPECT_FALSE(telnyx(signer)->verify(signed_event(signer, kReceived, kNow - 301)));
  EXPECT_FALSE(telnyx(signer)->verify(signed_event(signer, kReceived, kNow + 301)));
  // A fresh timestamp on an old signature doesn't help: the timestamp is signed.
  auto old = signed_event(signer, kReceived, kNow - 3600);
  auto replayed = event(kReceived, std::to_string(kNow), old.header("telnyx-signature-ed25519"));
  EXPECT_FALSE(telnyx(signer)->verify(replayed));
}

TEST(TelnyxSignature, RefusesMissingOrForeignSignatures) {
  Signer signer, other;
  EXPECT_FALSE(telnyx(signer)->verify(event(kReceived)));
  EXPECT_FALSE(telnyx(signer)->verify(event(kReceived, std::to_string(kNow))));
  EXPECT_FALSE(telnyx(signer)->verify(event(kReceived, std::to_string(kNow), "not base64!")));
  EXPECT_FALSE(telnyx(signer)->verify(event(kReceived, "soon", signer.sign("soon|" + kReceived))));
  EXPECT_FALSE(telnyx(signer)->verify(signed_event(other, kReceived)));
}

TEST(Telnyx, RefusesABadPublicKey) {
  auto bad = make_provider(test::settings({{"provider", "telnyx"}, {"api_key", "k"}, {"public_key", "c2hvcnQ="}}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("32-byte"), std::string::npos);
}

TEST(Telnyx, BuildsMessagesRequest) {
  Signer signer;
  auto request =
      telnyx(signer)->build_send(OutboundSms{"+15550001111", "+15552223333", "Hi", {"https://m.example/a.png"}, "k", ""}).value();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.telnyx.com/v2/messages");
  EXPECT_NE(std::find(request.headers.begin(), request.headers.end(),
                      std::pair<std::string, std::string>{"Authorization", "Bearer KEY0123"}),
            request.headers.end());
  auto json = parse_json(request.body).value();
  EXPECT_EQ(json["from"].asString(), "+15550001111");
  EXPECT_EQ(json["to"].asString(), "+15552223333");
  EXPECT_EQ(json["text"].asString(), "Hi");
  EXPECT_EQ(json["media_urls"][0].asString(), "https://m.example/a.png");
  EXPECT_EQ(json["webhook_url"].asString(), "https://gw.example.org/webhooks/sms/status");
}

TEST(Telnyx, SendResponses) {
  Signer signer;
  auto p = telnyx(signer);
  OutboundSms sms{"+15550001111", "+15552223333", "x", {}, "", ""};
  auto ok = p->parse_send_response(
      sms, reply(200, R"({"data":{"record_type":"message","id":"40385f64-5717-4562-b3fc-2c963f66afa6","to":[{"status":"queued"}]}})"));
  EXPECT_EQ(ok.kind, SendKind::success);
  EXPECT_EQ(ok.provider_id, "40385f64-5717-4562-b3fc-2c963f66afa6");

  auto invalid = p->parse_send_response(
      sms, reply(422, R"({"errors":[{"code":"40310","title":"Invalid 'to' address","detail":"The 'to' address should be in E.164 format."}]})"));
  EXPECT_EQ(invalid.kind, SendKind::permanent);
  EXPECT_EQ(invalid.error, "Invalid 'to' address: The 'to' address should be in E.164 format. (Telnyx error 40310)");

  EXPECT_EQ(p->parse_send_response(sms, reply(401, R"({"errors":[{"code":"10009","title":"Authentication failed"}]})")).kind,
            SendKind::permanent);
  auto throttled = p->parse_send_response(sms, reply(429, R"({"errors":[{"title":"Too many requests"}]})", {{"retry-after", "3"}}));
  EXPECT_EQ(throttled.kind, SendKind::transient);
  EXPECT_EQ(throttled.retry_after, std::chrono::seconds(3));
  EXPECT_EQ(p->parse_send_response(sms, reply(500, "oops")).kind, SendKind::transient);
}

TEST(Telnyx, ParsesReceivedMessages) {
  Signer signer;
  auto p = telnyx(signer);
  auto sms = p->parse_inbound(event(kReceived)).value();
  EXPECT_EQ(sms.provider_id, "b301ed3f-1490-491f-995f-6e64e69674d4");
  EXPECT_EQ(sms.from, "+15552223333");
  EXPECT_EQ(sms.to, "+15550001111");
  EXPECT_EQ(sms.body, "Hello from Telnyx");
  EXPECT_EQ(sms.media_urls, std::vector<std::string>{"https://media.telnyx.com/a.jpg"});
  EXPECT_FALSE(p->parse_inbound(event("not json")).has_value());
  EXPECT_FALSE(p->parse_inbound(event(R"({"data":{"event_type":"message.sent","payload":{}}})")).has_value());
}

std::string finalized(std::string status, std::string errors = "[]") {
  return R"({"data":{"event_type":"message.finalized","payload":{"id":"m1","to":[{"phone_number":"+15552223333","status":")" +
         status + R"("}],"errors":)" + errors + "}}}";
}

TEST(Telnyx, ParsesStatusEvents) {
  Signer signer;
  auto p = telnyx(signer);
  auto delivered = p->parse_status(event(finalized("delivered"))).value();
  EXPECT_EQ(delivered.provider_id, "m1");
  EXPECT_EQ(delivered.status, DeliveryStatus::delivered);
  auto failed =
      p->parse_status(event(finalized("delivery_failed", R"([{"code":"40002","title":"Message delivery failed"}])")))
          .value();
  EXPECT_EQ(failed.status, DeliveryStatus::undelivered);
  EXPECT_EQ(failed.error, "Message delivery failed (Telnyx error 40002)");
  EXPECT_EQ(p->parse_status(event(finalized("sending_failed")))->status, DeliveryStatus::failed);
  EXPECT_EQ(p->parse_status(event(finalized("sending_failed")))->error, "Telnyx reports the message sending_failed");
  auto sent = R"({"data":{"event_type":"message.sent","payload":{"id":"m1","to":[{"status":"sent"}]}}})";
  EXPECT_EQ(p->parse_status(event(sent))->status, DeliveryStatus::sent);
  EXPECT_FALSE(p->parse_status(event(kReceived)).has_value());
  EXPECT_FALSE(p->parse_status(event(finalized("mystery"))).has_value());
}

}  // namespace
}  // namespace junction::sms
