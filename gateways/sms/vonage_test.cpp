#include "gateways/sms/vonage.hpp"

#include "gateways/sms/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

using test::form_post;
using test::get;
using test::reply;

constexpr std::int64_t kSigned = 1577880000;

// An inbound message as Vonage signs it; '&' and '=' in the text exercise the '_' rule.
const Params kInbound{{"msisdn", "447700900001"},
                      {"to", "447700900000"},
                      {"messageId", "0A0000000123ABCD1"},
                      {"text", "Hello & welcome = yes"},
                      {"type", "text"},
                      {"keyword", "HELLO"},
                      {"message-timestamp", "2020-01-01 12:00:00"},
                      {"timestamp", "1577880000"},
                      {"nonce", "aaaaaaaa-bbbb"}};

// Computed independently with Python's hashlib/hmac:
//   p = {the pairs above}
//   s = ''.join('&%s=%s' % (k, p[k].replace('&','_').replace('=','_')) for k in sorted(p))
//   hashlib.md5((s + 'sig-secret').encode()).hexdigest()
//   hmac.new(b'sig-secret', s.encode(), 'sha256').hexdigest().upper()   # and md5, sha1, sha512
TEST(VonageSignature, MatchesIndependentComputation) {
  EXPECT_EQ(vonage_signature(kInbound, "sig-secret", std::nullopt), "02974fbbc7e1c69590cb5275a53bcb59");
  EXPECT_EQ(vonage_signature(kInbound, "sig-secret", Digest::md5), "ebb3a71955faf5abaee86052917536f8");
  EXPECT_EQ(vonage_signature(kInbound, "sig-secret", Digest::sha1), "19e1190bfe82426369f50dac87774bbe9dfab60e");
  EXPECT_EQ(vonage_signature(kInbound, "sig-secret", Digest::sha256),
            "244d6a435134d52cf00291e23aa3184421779643b13fc8615f2831602e27d6e9");
  EXPECT_EQ(vonage_signature(kInbound, "sig-secret", Digest::sha512),
            "5c5b3031fc8efdd9af746ac79d678f3985e5cf9183064a22d535a7efc42829045ea35bef5dc5be22b785f6b1ec54088c2d0b3ffa8f108f33cff96d3ff92f9d15");
  Params with_sig = kInbound;
  with_sig.emplace_back("sig", "ignored");
  EXPECT_EQ(vonage_signature(with_sig, "sig-secret", std::nullopt), "02974fbbc7e1c69590cb5275a53bcb59");
}

std::unique_ptr<Provider> signed_vonage(std::string method, std::int64_t now = kSigned + 10) {
  return test::provider({{"provider", "vonage"},
                         {"api_key", "key"},
                         {"api_secret", "secret"},
                         {"signature_secret", "sig-secret"},
                         {"signature_method", method}},
                        now);
}

std::string query_with(const Params& params, std::string sig) {
  Params all = params;
  all.emplace_back("sig", std::move(sig));
  return "/webhooks/sms/inbound?" + form_encode(all);
}

TEST(Vonage, VerifiesSignedGetAndPost) {
  auto md5hash = signed_vonage("md5hash");
  EXPECT_TRUE(md5hash->verify(get(query_with(kInbound, "02974fbbc7e1c69590cb5275a53bcb59"))));
  Params body = kInbound;
  body.emplace_back("sig", "244D6A435134D52CF00291E23AA3184421779643B13FC8615F2831602E27D6E9");
  EXPECT_TRUE(signed_vonage("sha256")->verify(form_post("/webhooks/sms/inbound", form_encode(body))));
}

TEST(Vonage, VerifiesSignedJson) {
  auto p = signed_vonage("sha1");
  auto request = make_webhook_request(
      "POST", "https://gw.example.org", "/webhooks/sms/inbound", {{"content-type", "application/json"}},
      R"({"msisdn":"447700900001","to":"447700900000","messageId":"0A0000000123ABCD1",)"
      R"("text":"Hello & welcome = yes","type":"text","keyword":"HELLO","message-timestamp":"2020-01-01 12:00:00",)"
      R"("timestamp":"1577880000","nonce":"aaaaaaaa-bbbb","sig":"19E1190BFE82426369F50DAC87774BBE9DFAB60E"})");
  EXPECT_TRUE(p->verify(request));
  EXPECT_EQ(p->parse_inbound(request)->from, "+447700900001");
}

TEST(Vonage, RefusesTamperedMissingOrStaleSignatures) {
  auto p = signed_vonage("md5hash");
  Params tampered = kInbound;
  tampered[3].second = "Hello & welcome = no";
  EXPECT_FALSE(p->verify(get(query_with(tampered, "02974fbbc7e1c69590cb5275a53bcb59"))));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?" + form_encode(kInbound))));
  EXPECT_FALSE(signed_vonage("md5hash", kSigned + 301)->verify(get(query_with(kInbound, "02974fbbc7e1c69590cb5275a53bcb59"))));
  EXPECT_FALSE(signed_vonage("md5hash", kSigned - 301)->verify(get(query_with(kInbound, "02974fbbc7e1c69590cb5275a53bcb59"))));
  EXPECT_FALSE(signed_vonage("md5")->verify(get(query_with(kInbound, "02974fbbc7e1c69590cb5275a53bcb59"))));
}

TEST(Vonage, TokenModeWithoutSignatureSecret) {
  auto p = test::provider({{"provider", "vonage"}, {"api_key", "k"}, {"api_secret", "s"}, {"webhook_token", "tok"}});
  EXPECT_TRUE(p->verify(get("/webhooks/sms/inbound?token=tok&msisdn=1")));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?token=bad&msisdn=1")));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?msisdn=1")));
}

TEST(Vonage, ConfigurationErrors) {
  auto none = make_provider(test::settings({{"provider", "vonage"}, {"api_key", "k"}, {"api_secret", "s"}}));
  ASSERT_FALSE(none.has_value());
  EXPECT_NE(none.error().message.find("signature_secret"), std::string::npos);
  auto bad = make_provider(test::settings(
      {{"provider", "vonage"}, {"api_key", "k"}, {"api_secret", "s"}, {"signature_secret", "x"}, {"signature_method", "crc"}}));
  EXPECT_FALSE(bad.has_value());
}

TEST(Vonage, BuildsSmsApiRequest) {
  auto p = signed_vonage("md5hash");
  auto request = p->build_send(OutboundSms{"+447700900000", "+447700900001", "Hi", {}, "out-1", ""}).value();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://rest.nexmo.com/sms/json");
  auto form = parse_form(request.body);
  EXPECT_EQ(param(form, "api_key"), "key");
  EXPECT_EQ(param(form, "api_secret"), "secret");
  EXPECT_EQ(param(form, "from"), "447700900000");
  EXPECT_EQ(param(form, "to"), "447700900001");
  EXPECT_EQ(param(form, "text"), "Hi");
  EXPECT_FALSE(has_param(form, "type"));
  EXPECT_EQ(param(form, "client-ref"), "out-1");
  EXPECT_EQ(param(form, "status-report-req"), "1");
  EXPECT_EQ(param(form, "callback"), "https://gw.example.org/webhooks/sms/status");

  auto unicode = p->build_send(OutboundSms{"Junction", "+447700900001", "日本", {}, "", ""}).value();
  auto uform = parse_form(unicode.body);
  EXPECT_EQ(param(uform, "type"), "unicode");
  EXPECT_EQ(param(uform, "from"), "Junction");
}

TEST(Vonage, SendResponses) {
  auto p = signed_vonage("md5hash");
  OutboundSms sms{"+447700900000", "+447700900001", "x", {}, "", ""};
  auto ok = p->parse_send_response(
      sms, reply(200, R"({"message-count":"2","messages":[{"to":"447700900001","message-id":"0A01","status":"0"},)"
                      R"({"to":"447700900001","message-id":"0A02","status":"0"}]})"));
  EXPECT_EQ(ok.kind, SendKind::success);
  EXPECT_EQ(ok.provider_id, "0A01");
  // Each part has its own receipt, so each id is kept.
  EXPECT_EQ(ok.part_ids, (std::vector<std::string>{"0A01", "0A02"}));

  auto throttled = p->parse_send_response(
      sms, reply(200, R"({"message-count":"1","messages":[{"status":"1","error-text":"Throughput Rate Exceeded"}]})"));
  EXPECT_EQ(throttled.kind, SendKind::transient);
  EXPECT_EQ(throttled.error, "Throughput Rate Exceeded (Vonage status 1)");

  auto missing = p->parse_send_response(
      sms, reply(200, R"({"message-count":"1","messages":[{"status":"2","error-text":"Missing to param"}]})"));
  EXPECT_EQ(missing.kind, SendKind::permanent);
  auto creds = p->parse_send_response(
      sms, reply(200, R"({"message-count":"1","messages":[{"status":"4","error-text":"Bad Credentials"}]})"));
  EXPECT_EQ(creds.kind, SendKind::permanent);
  auto internal = p->parse_send_response(
      sms, reply(200, R"({"message-count":"1","messages":[{"status":"5","error-text":"Internal Error"}]})"));
  EXPECT_EQ(internal.kind, SendKind::transient);
  auto barred = p->parse_send_response(
      sms, reply(200, R"({"message-count":"1","messages":[{"status":"7","error-text":"Number barred"}]})"));
  EXPECT_EQ(barred.kind, SendKind::permanent);
  // The first part went out; retrying would send it twice.
  auto partial = p->parse_send_response(
      sms, reply(200, R"({"message-count":"2","messages":[{"message-id":"0A01","status":"0"},{"status":"1"}]})"));
  EXPECT_EQ(partial.kind, SendKind::permanent);

  EXPECT_EQ(p->parse_send_response(sms, reply(502, "Bad Gateway")).kind, SendKind::transient);
  EXPECT_EQ(p->parse_send_response(sms, reply(401, R"({"title":"Unauthorized"})")).error, "Unauthorized");
}

TEST(Vonage, ParsesInbound) {
  auto p = signed_vonage("md5hash");
  auto sms = p->parse_inbound(get(query_with(kInbound, "x"))).value();
  EXPECT_EQ(sms.provider_id, "0A0000000123ABCD1");
  EXPECT_EQ(sms.from, "+447700900001");
  EXPECT_EQ(sms.to, "+447700900000");
  EXPECT_EQ(sms.body, "Hello & welcome = yes");
  EXPECT_FALSE(p->parse_inbound(get("/webhooks/sms/inbound?msisdn=1&to=2&messageId=3&type=binary")).has_value());
  EXPECT_FALSE(p->parse_inbound(get("/webhooks/sms/inbound?text=x")).has_value());
}

TEST(Vonage, ParsesTheConcatenationFieldsOfALongText) {
  auto p = signed_vonage("md5hash");
  const std::string base = "/webhooks/sms/inbound?msisdn=447700900001&to=447700900000&text=part&type=text";
  auto part = p->parse_inbound(get(base + "&messageId=P2&concat=true&concat-ref=108&concat-total=3&concat-part=2"));
  ASSERT_TRUE(part) << part.error().message;
  ASSERT_TRUE(part->concat);
  EXPECT_EQ(part->concat->ref, "108");
  EXPECT_EQ(part->concat->total, 3);
  EXPECT_EQ(part->concat->part, 2);
  EXPECT_EQ(part->provider_id, "P2");
  EXPECT_FALSE(p->parse_inbound(get(base + "&messageId=P1"))->concat);
  EXPECT_FALSE(p->parse_inbound(get(base + "&messageId=P1&concat=true&concat-ref=1&concat-total=2&concat-part=3")));
  EXPECT_FALSE(p->parse_inbound(get(base + "&messageId=P1&concat=true&concat-ref=1&concat-total=x&concat-part=1")));
  EXPECT_FALSE(p->parse_inbound(get(base + "&messageId=P1&concat=true&concat-total=2&concat-part=1")));
}

TEST(Vonage, AccountKeyInTheCallbackUrlDoesNotBreakTheSignature) {
  // A user's own account names itself in the callback URL; Vonage signs only its own fields.
  Params body = kInbound;
  body.emplace_back("sig", "244D6A435134D52CF00291E23AA3184421779643B13FC8615F2831602E27D6E9");
  EXPECT_TRUE(
      signed_vonage("sha256")->verify(form_post("/webhooks/sms/status?account=447700900000", form_encode(body))));
  body.back().second = "0000";
  EXPECT_FALSE(
      signed_vonage("sha256")->verify(form_post("/webhooks/sms/status?account=447700900000", form_encode(body))));
}

TEST(Vonage, ParsesDeliveryReceipts) {
  auto p = signed_vonage("md5hash");
  auto receipt = [&](std::string status, std::string code) {
    return p->parse_status(get("/webhooks/sms/status?messageId=0A01&msisdn=447700900001&to=Junction&status=" + status +
                               "&err-code=" + code));
  };
  EXPECT_EQ(receipt("delivered", "0")->status, DeliveryStatus::delivered);
  EXPECT_EQ(receipt("delivered", "0")->provider_id, "0A01");
  EXPECT_EQ(receipt("accepted", "0")->status, DeliveryStatus::sent);
  EXPECT_EQ(receipt("buffered", "0")->status, DeliveryStatus::sent);
  EXPECT_EQ(receipt("expired", "2")->status, DeliveryStatus::undelivered);
  EXPECT_EQ(receipt("expired", "2")->error, "the recipient is temporarily absent (Vonage error 2)");
  EXPECT_EQ(receipt("failed", "6")->status, DeliveryStatus::failed);
  EXPECT_EQ(receipt("rejected", "0")->error, "Vonage reports the message rejected");
  EXPECT_FALSE(receipt("weird", "0").has_value());
}

}  // namespace
}  // namespace junction::sms
