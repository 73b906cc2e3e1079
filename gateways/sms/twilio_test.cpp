#include "gateways/sms/twilio.hpp"

#include "gateways/sms/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

using test::form_post;
using test::reply;

std::unique_ptr<Provider> twilio() {
  return test::provider({{"provider", "twilio"}, {"account_sid", "AC123"}, {"auth_token", "12345"}});
}

TEST(TwilioSignature, DocumentationExample) {
  // Twilio's request-validation example (auth token 12345), as its PHP library documents it.
  Params params{{"CallSid", "CA1234567890ABCDE"},
                {"Caller", "+14158675309"},
                {"Digits", "1234"},
                {"From", "+14158675309"},
                {"To", "+18005551212"}};
  EXPECT_EQ(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
}

TEST(TwilioSignature, CrossCheckedWithTwilioRequestValidator) {
  // /usr/bin/python3 -c "from twilio.request_validator import RequestValidator as V;
  //   print(V('12345').compute_signature('https://mycompany.com/myapp.php?foo=1&bar=2',
  //   {'CallSid':'CA1234567890ABCDE','Caller':'+12349013030','Digits':'1234',
  //    'From':'+12349013030','To':'+18005551212'}))"
  Params params{{"To", "+18005551212"},
                {"From", "+12349013030"},
                {"Digits", "1234"},
                {"Caller", "+12349013030"},
                {"CallSid", "CA1234567890ABCDE"}};
  EXPECT_EQ(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

// The same validator, over an inbound SMS with non-ASCII text and '&' '=' in the body:
// compute_signature('https://gw.example.org/webhooks/sms/inbound', {'MessageSid':'SM0123',
//   'From':'+15550001111','To':'+15552223333','Body':'Hé & = ok','NumMedia':'0'})
constexpr const char* kInboundBody =
    "MessageSid=SM0123&From=%2B15550001111&To=%2B15552223333&Body=H%C3%A9+%26+%3D+ok&NumMedia=0";
constexpr const char* kInboundSignature = "7HAzN6AKcFLQCDSeIpzP158ysPE=";

TEST(Twilio, VerifiesSignedWebhook) {
  auto p = twilio();
  auto request = form_post("/webhooks/sms/inbound", kInboundBody, {{"x-twilio-signature", kInboundSignature}});
  EXPECT_TRUE(p->verify(request));
  // A proxy that spells out the default port doesn't break the check.
  auto with_port = make_webhook_request("POST", "https://gw.example.org:443", "/webhooks/sms/inbound",
                                        {{"content-type", "application/x-www-form-urlencoded"},
                                         {"x-twilio-signature", kInboundSignature}},
                                        kInboundBody);
  EXPECT_TRUE(p->verify(with_port));
}

TEST(Twilio, RefusesBadSignatures) {
  auto p = twilio();
  EXPECT_FALSE(p->verify(form_post("/webhooks/sms/inbound", kInboundBody)));
  EXPECT_FALSE(p->verify(form_post("/webhooks/sms/inbound", std::string(kInboundBody) + "&Extra=1",
                                   {{"x-twilio-signature", kInboundSignature}})));
  EXPECT_FALSE(p->verify(form_post("/webhooks/other/inbound", kInboundBody, {{"x-twilio-signature", kInboundSignature}})));
  EXPECT_FALSE(p->verify(form_post("/webhooks/sms/inbound", kInboundBody, {{"x-twilio-signature", "AAAA"}})));
}

TEST(Twilio, BuildsMessagesRequest) {
  auto p = twilio();
  OutboundSms sms{"+15550001111", "+15552223333", "Hi & bye", {"https://m.example/a.png", "https://m.example/b.jpg"}, "k1", ""};
  auto request = p->build_send(sms).value();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json");
  EXPECT_EQ(request.basic_user, "AC123");
  EXPECT_EQ(request.basic_password, "12345");
  auto form = parse_form(request.body);
  EXPECT_EQ(param(form, "To"), "+15552223333");
  EXPECT_EQ(param(form, "From"), "+15550001111");
  EXPECT_EQ(param(form, "Body"), "Hi & bye");
  EXPECT_EQ(param(form, "StatusCallback"), "https://gw.example.org/webhooks/sms/status");
  int media = 0;
  for (const auto& [name, value] : form) media += name == "MediaUrl";
  EXPECT_EQ(media, 2);
  EXPECT_FALSE(p->build_send(OutboundSms{"+1555", "+1666", "", {}, "k", ""}).has_value());
}

TEST(Twilio, ApiUrlIsOverridable) {
  auto p = test::provider(
      {{"provider", "twilio"}, {"account_sid", "AC1"}, {"auth_token", "t"}, {"api_url", "http://127.0.0.1:9999/"}});
  auto request = p->build_send(OutboundSms{"+15550001111", "+15552223333", "x", {}, "", "https://cb/x"}).value();
  EXPECT_EQ(request.url, "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Messages.json");
  EXPECT_EQ(param(parse_form(request.body), "StatusCallback"), "https://cb/x");
}

TEST(Twilio, SendResponses) {
  auto p = twilio();
  OutboundSms sms{"+15550001111", "+15552223333", "x", {}, "k", ""};
  auto ok = p->parse_send_response(sms, reply(201, R"({"sid":"SM123","status":"queued"})"));
  EXPECT_EQ(ok.kind, SendKind::success);
  EXPECT_EQ(ok.provider_id, "SM123");

  auto invalid_to = p->parse_send_response(
      sms, reply(400, R"({"code":21211,"message":"The 'To' number +1555 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400})"));
  EXPECT_EQ(invalid_to.kind, SendKind::permanent);
  EXPECT_EQ(invalid_to.error, "The 'To' number +1555 is not a valid phone number. (Twilio error 21211)");

  auto unsubscribed = p->parse_send_response(
      sms, reply(400, R"({"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400})"));
  EXPECT_EQ(unsubscribed.kind, SendKind::permanent);

  auto auth = p->parse_send_response(sms, reply(401, R"({"code":20003,"message":"Authenticate","status":401})"));
  EXPECT_EQ(auth.kind, SendKind::permanent);
  EXPECT_EQ(auth.error, "Authenticate (Twilio error 20003)");

  auto throttled = p->parse_send_response(
      sms, reply(429, R"({"code":20429,"message":"Too Many Requests","status":429})", {{"retry-after", "7"}}));
  EXPECT_EQ(throttled.kind, SendKind::transient);
  EXPECT_EQ(throttled.retry_after, std::chrono::seconds(7));

  auto outage = p->parse_send_response(sms, reply(503, "<html>Service Unavailable</html>"));
  EXPECT_EQ(outage.kind, SendKind::transient);
  EXPECT_EQ(outage.error, "<html>Service Unavailable</html> (HTTP status 503)");
}

TEST(Twilio, ParsesInboundWithMedia) {
  auto p = twilio();
  auto request = form_post("/webhooks/sms/inbound",
                           "MessageSid=MM1&From=%2B15552223333&To=%2B15550001111&Body=look&NumMedia=2"
                           "&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2Fm0&MediaContentType0=image%2Fjpeg"
                           "&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2Fm1");
  auto sms = p->parse_inbound(request).value();
  EXPECT_EQ(sms.provider_id, "MM1");
  EXPECT_EQ(sms.from, "+15552223333");
  EXPECT_EQ(sms.to, "+15550001111");
  EXPECT_EQ(sms.body, "look");
  EXPECT_EQ(sms.media_urls, (std::vector<std::string>{"https://api.twilio.com/m0", "https://api.twilio.com/m1"}));
  EXPECT_FALSE(p->parse_inbound(form_post("/webhooks/sms/inbound", "Body=x")).has_value());
}

TEST(Twilio, ParsesStatusCallbacks) {
  auto p = twilio();
  auto delivered = p->parse_status(form_post("/webhooks/sms/status", "MessageSid=SM1&MessageStatus=delivered")).value();
  EXPECT_EQ(delivered.provider_id, "SM1");
  EXPECT_EQ(delivered.status, DeliveryStatus::delivered);
  EXPECT_EQ(delivered.error, "");

  auto undelivered =
      p->parse_status(form_post("/webhooks/sms/status", "MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003"))
          .value();
  EXPECT_EQ(undelivered.status, DeliveryStatus::undelivered);
  EXPECT_EQ(undelivered.error, "unreachable destination handset (Twilio error 30003)");

  auto failed = p->parse_status(form_post("/webhooks/sms/status", "SmsSid=SM2&SmsStatus=failed")).value();
  EXPECT_EQ(failed.status, DeliveryStatus::failed);
  EXPECT_FALSE(failed.error.empty());

  EXPECT_EQ(p->parse_status(form_post("/webhooks/sms/status", "MessageSid=SM1&MessageStatus=sent"))->status,
            DeliveryStatus::sent);
  EXPECT_FALSE(p->parse_status(form_post("/webhooks/sms/status", "MessageSid=SM1&MessageStatus=odd")).has_value());
}

TEST(Twilio, AcknowledgesWithEmptyTwiml) {
  auto ack = twilio()->acknowledge();
  EXPECT_EQ(ack.status, 200);
  EXPECT_EQ(ack.content_type, "text/xml");
  EXPECT_NE(ack.body.find("<Response/>"), std::string::npos);
}

TEST(Twilio, NeedsCredentials) {
  auto p = make_provider(test::settings({{"provider", "twilio"}, {"account_sid", "AC1"}}));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "provider \"twilio\" needs the key \"auth_token\"");
}

// Twilio's JSON-body example (auth token 12345): the body's SHA-256 is the documented
// 0a1ff763..., and the signature, over the URL alone, was computed with python3-twilio:
//   V('12345').compute_signature('https://mycompany.com/myapp.php?bodySHA256=0a1f...6620', {})
constexpr const char* kJsonBody = R"({"property": "value", "boolean": true})";
constexpr const char* kJsonHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

TEST(TwilioBodySha256, DocumentationExample) {
  EXPECT_TRUE(twilio_body_matches(kJsonBody, kJsonHash));
  EXPECT_TRUE(twilio_body_matches(kJsonBody, "0A1FF7634D9AB3B95DB5C9A2DFE9416E41502B283A80C7CF19632632F96E6620"));
  EXPECT_FALSE(twilio_body_matches(R"({"property": "value", "boolean": false})", kJsonHash));
  EXPECT_FALSE(twilio_body_matches(kJsonBody, ""));
  EXPECT_EQ(twilio_signature("12345", std::string("https://mycompany.com/myapp.php?bodySHA256=") + kJsonHash, {}),
            "y77kIzt2vzLz71DgmJGsen2scGs=");
}

TEST(Twilio, VerifiesJsonWebhooksThroughBodySha256) {
  auto p = test::provider({{"provider", "twilio"}, {"account_sid", "AC123"}, {"auth_token", "12345"}});
  auto json_post = [](std::string base, std::string body, std::string signature) {
    return make_webhook_request("POST", base, std::string("/myapp.php?bodySHA256=") + kJsonHash,
                                {{"content-type", "application/json"}, {"x-twilio-signature", signature}},
                                std::move(body));
  };
  EXPECT_TRUE(p->verify(json_post("https://mycompany.com", kJsonBody, "y77kIzt2vzLz71DgmJGsen2scGs=")));
  // The signature covers the hash, the hash covers the body: changing either fails.
  EXPECT_FALSE(p->verify(
      json_post("https://mycompany.com", R"({"property": "other", "boolean": true})", "y77kIzt2vzLz71DgmJGsen2scGs=")));
  EXPECT_FALSE(p->verify(json_post("https://mycompany.com", kJsonBody, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")));
  EXPECT_FALSE(p->verify(json_post("https://other.example", kJsonBody, "y77kIzt2vzLz71DgmJGsen2scGs=")));
}

TEST(Twilio, ReadsMessageFieldsFromAJsonBody) {
  auto p = twilio();
  auto request = make_webhook_request(
      "POST", "https://gw.example.org", "/webhooks/sms/inbound?bodySHA256=x", {{"content-type", "application/json"}},
      R"({"MessageSid":"SM9","From":"+15557654321","To":"+15550001111","Body":"hi","NumMedia":"0"})");
  auto sms = p->parse_inbound(request);
  ASSERT_TRUE(sms) << sms.error().message;
  EXPECT_EQ(sms->provider_id, "SM9");
  EXPECT_EQ(sms->from, "+15557654321");
  EXPECT_EQ(sms->body, "hi");
}

}  // namespace
}  // namespace junction::sms
