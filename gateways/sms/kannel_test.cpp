#include "gateways/sms/kannel.hpp"

#include "gateways/sms/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

using test::get;
using test::reply;

std::unique_ptr<Provider> kannel(std::string api_url = "http://127.0.0.1:13013/cgi-bin/sendsms") {
  return test::provider({{"provider", "kannel"},
                         {"api_url", api_url},
                         {"username", "junction"},
                         {"password", "p&ss"},
                         {"webhook_token", "tok"}});
}

Params query_of(const std::string& url) { return parse_form(url.substr(url.find('?') + 1)); }

TEST(Kannel, BuildsSendsmsGet) {
  auto p = kannel();
  auto request = p->build_send(OutboundSms{"+15550001111", "+15552223333", "Hi there", {}, "out-42", ""}).value();
  EXPECT_EQ(request.method, "GET");
  EXPECT_TRUE(request.url.starts_with("http://127.0.0.1:13013/cgi-bin/sendsms?username=junction&password=p%26ss&"));
  EXPECT_EQ(request.url.find(' '), std::string::npos);
  auto q = query_of(request.url);
  EXPECT_EQ(param(q, "from"), "+15550001111");
  EXPECT_EQ(param(q, "to"), "+15552223333");
  EXPECT_EQ(param(q, "text"), "Hi there");
  EXPECT_EQ(param(q, "charset"), "UTF-8");
  EXPECT_EQ(param(q, "coding"), "0");
  EXPECT_EQ(param(q, "dlr-mask"), "31");
  EXPECT_EQ(param(q, "dlr-url"), "https://gw.example.org/webhooks/sms/status?token=tok&id=out-42&status=%d");
  EXPECT_NE(request.url.find("status%3D%25d"), std::string::npos);  // %d reaches Kannel intact
}

TEST(Kannel, Ucs2TextAndMediaLinks) {
  auto p = kannel("http://k/cgi-bin/sendsms?smsc=fake");
  auto request =
      p->build_send(OutboundSms{"+15550001111", "+15552223333", "привет", {"https://m.example/a.png"}, "k", ""}).value();
  EXPECT_TRUE(request.url.starts_with("http://k/cgi-bin/sendsms?smsc=fake&username="));
  auto q = query_of(request.url);
  EXPECT_EQ(param(q, "coding"), "2");
  EXPECT_EQ(param(q, "text"), "привет\nhttps://m.example/a.png");
}

TEST(Kannel, NeedsAnIdForDeliveryReports) {
  EXPECT_FALSE(kannel()->build_send(OutboundSms{"+15550001111", "+15552223333", "x", {}, "", ""}).has_value());
}

TEST(Kannel, SendReplies) {
  auto p = kannel();
  OutboundSms sms{"+15550001111", "+15552223333", "x", {}, "out-42", ""};
  auto accepted = p->parse_send_response(sms, reply(202, "0: Accepted for delivery"));
  EXPECT_EQ(accepted.kind, SendKind::success);
  EXPECT_EQ(accepted.provider_id, "out-42");
  EXPECT_EQ(p->parse_send_response(sms, reply(202, "3: Queued for later delivery")).kind, SendKind::success);

  auto auth = p->parse_send_response(sms, reply(403, "Authorization failed for sendsms"));
  EXPECT_EQ(auth.kind, SendKind::permanent);
  EXPECT_EQ(auth.error, "Kannel: Authorization failed for sendsms (HTTP status 403)");
  EXPECT_EQ(p->parse_send_response(sms, reply(400, "Missing receiver number")).kind, SendKind::permanent);
  EXPECT_EQ(p->parse_send_response(sms, reply(503, "Sending failed.")).kind, SendKind::transient);
  EXPECT_EQ(transport_failure("connection refused").kind, SendKind::transient);
}

TEST(Kannel, WebhookToken) {
  auto p = kannel();
  EXPECT_TRUE(p->verify(get("/webhooks/sms/inbound?token=tok&from=1&to=2&text=x&id=a")));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?token=tok2&from=1")));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?token=&from=1")));
  EXPECT_FALSE(p->verify(get("/webhooks/sms/inbound?from=1")));
}

TEST(Kannel, ParsesInbound) {
  auto p = kannel();
  auto sms = p->parse_inbound(get("/webhooks/sms/inbound?token=tok&from=%2B15552223333&to=%2B15550001111"
                                  "&text=Gr%C3%BC%C3%9Fe+%26+more&id=2b1d-77"))
                 .value();
  EXPECT_EQ(sms.provider_id, "2b1d-77");
  EXPECT_EQ(sms.from, "+15552223333");
  EXPECT_EQ(sms.to, "+15550001111");
  EXPECT_EQ(sms.body, "Grüße & more");
  EXPECT_FALSE(p->parse_inbound(get("/webhooks/sms/inbound?token=tok&from=1&to=2&text=x")).has_value());
}

TEST(Kannel, ParsesDeliveryReports) {
  auto p = kannel();
  auto status = [&](std::string code) {
    return p->parse_status(get("/webhooks/sms/status?token=tok&id=out-42&status=" + code));
  };
  EXPECT_EQ(status("1")->status, DeliveryStatus::delivered);
  EXPECT_EQ(status("1")->provider_id, "out-42");
  EXPECT_EQ(status("2")->status, DeliveryStatus::undelivered);
  EXPECT_FALSE(status("2")->error.empty());
  EXPECT_EQ(status("4")->status, DeliveryStatus::queued);
  EXPECT_EQ(status("8")->status, DeliveryStatus::sent);
  EXPECT_EQ(status("16")->status, DeliveryStatus::failed);
  EXPECT_FALSE(status("3").has_value());
  EXPECT_FALSE(p->parse_status(get("/webhooks/sms/status?token=tok&status=1")).has_value());
}

TEST(Kannel, NeedsItsKeys) {
  auto p = make_provider(test::settings({{"provider", "kannel"}, {"api_url", "http://k"}, {"username", "u"}, {"password", "p"}}));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message, "provider \"kannel\" needs the key \"webhook_token\"");
}

}  // namespace
}  // namespace junction::sms
