// The gateway's flows that need a provider on the wire or time passing: long texts in parts
// (Vonage) both ways, and a user's own account reporting delivery before answering the send.
// The provider is a net::HttpServer on the test's own loop, so the test decides when it answers.
#include "gateways/sms/codec.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "gateways/sms/sms_test_context.hpp"
#include "gateways/sms/twilio.hpp"
#include "net/http_server.hpp"
#include "xmpp/namespaces.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <optional>

namespace junction::sms {
namespace {

using namespace std::chrono_literals;
using test::FakeContext;

template <class Done>
bool run_until(asio::io_context& io, Done done, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(5ms);
  }
  return done();
}

xmpp::Jid jid(std::string_view s) { return *xmpp::Jid::parse(s); }

xmpp::Element chat(std::string from, std::string to, std::string body, std::string id) {
  xmpp::Element m("message");
  m.set_attr("type", "chat");
  m.set_attr("id", std::move(id));
  m.set_attr("to", std::move(to));
  m.set_attr("from", std::move(from));
  m.add_child("body").set_text(std::move(body));
  m.add_child("request", std::string(xmpp::ns::receipts));
  return m;
}

// A provider API on the test's loop; each request waits in `pending` until the test answers.
struct ProviderServer {
  explicit ProviderServer(asio::io_context& io, std::string path) : server(io, {.listen = "127.0.0.1:0"}) {
    server.route("POST", path, [this](const net::HttpRequest& request, net::Responder respond) {
      bodies.push_back(request.body);
      pending.push_back(std::move(respond));
    });
    EXPECT_TRUE(server.start());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server.port()); }
  net::HttpServer server;
  std::vector<std::string> bodies;
  std::vector<net::Responder> pending;
};

const xmpp::Element* receipt_in(const std::vector<xmpp::Element>& stanzas) {
  for (const auto& s : stanzas)
    if (s.child("received", xmpp::ns::receipts)) return &s;
  return nullptr;
}

toml::table vonage_config(const std::string& api_url, std::string extra = {}) {
  auto config = toml::parse(R"(
provider = "vonage"
api_key = "key"
api_secret = "secret"
webhook_token = "tok"
concat_timeout = 1
[numbers]
"+15550001111" = "alice@example.org"
)" + extra);
  config.insert_or_assign("api_url", api_url);
  return config;
}

std::string part_query(const std::string& id, int n, int total, const std::string& text) {
  return "token=tok&msisdn=15557654321&to=15550001111&type=text&concat=true&concat-ref=42&messageId=" + id +
         "&concat-total=" + std::to_string(total) + "&concat-part=" + std::to_string(n) + "&text=" + url_encode(text);
}

std::vector<std::string> bodies_from(const FakeContext& context, std::string_view contact) {
  std::vector<std::string> out;
  for (const auto& d : context.delivered)
    if (d.name() == "message" && d.attr_or("from") == contact) out.push_back(d.child_text("body"));
  return out;
}

TEST(SmsMultipart, InboundPartsBecomeOneTextOnceAndSurviveARestart) {
  FakeContext context(vonage_config("http://127.0.0.1:1/sms/json"));
  const std::string sender = "+15557654321@sms.example.org";
  {
    SmsGateway gateway(context);
    gateway.start();
    EXPECT_EQ(context.call("GET", "inbound", part_query("P3", 3, 3, "three")).status, 200);
    EXPECT_EQ(context.call("GET", "inbound", part_query("P1", 1, 3, "one ")).status, 200);
    EXPECT_EQ(context.call("GET", "inbound", part_query("P1", 1, 3, "one ")).status, 200);  // a retry
    EXPECT_TRUE(bodies_from(context, sender).empty());
  }  // the process dies with two parts stored
  SmsGateway gateway(context);
  gateway.start();
  EXPECT_EQ(context.call("GET", "inbound", part_query("P2", 2, 3, "two ")).status, 200);
  EXPECT_EQ(bodies_from(context, sender), std::vector<std::string>{"one two three"});
  // Retries of parts already delivered in a text are not a new text.
  EXPECT_EQ(context.call("GET", "inbound", part_query("P2", 2, 3, "two ")).status, 200);
  run_until(
      context.io(), [] { return false; }, 1500ms);
  EXPECT_EQ(bodies_from(context, sender).size(), 1u);
}

TEST(SmsMultipart, AnIncompleteTextIsDeliveredAfterTheTimeoutWithANote) {
  FakeContext context(vonage_config("http://127.0.0.1:1/sms/json"));
  SmsGateway gateway(context);
  gateway.start();
  EXPECT_EQ(context.call("GET", "inbound", part_query("Q1", 1, 2, "only the first ")).status, 200);
  const std::string sender = "+15557654321@sms.example.org";
  EXPECT_TRUE(bodies_from(context, sender).empty());
  ASSERT_TRUE(run_until(
      context.io(), [&] { return !bodies_from(context, sender).empty(); }, 3s));
  EXPECT_EQ(bodies_from(context, sender)[0], "only the first […]\n(incomplete: part 2 of 2 never arrived)");
}

TEST(SmsMultipart, ReceiptOnlyWhenEveryPartIsDeliveredAndErrorWhenOneFails) {
  FakeContext context(toml::table{});
  ProviderServer vonage(context.io(), "/sms/json");
  context.set_config(vonage_config(vonage.url() + "/sms/json"));
  SmsGateway gateway(context);
  gateway.start();
  const std::string long_text(200, 'x');  // two SMS
  for (const char* id : {"m1", "m2"})
    gateway.on_message(chat("alice@example.org/phone", "+15557654321@sms.example.org", long_text, id),
                       jid("alice@example.org/phone"), jid("+15557654321@sms.example.org"));
  ASSERT_EQ(context.queued.size(), 2u);
  std::vector<core::SendOutcome> outcomes;
  for (const auto& entry : context.queued)
    context.sender(entry, [&](core::SendOutcome o) { outcomes.push_back(std::move(o)); });
  ASSERT_TRUE(run_until(context.io(), [&] { return vonage.pending.size() == 2; }));
  for (const char* prefix : {"A", "B"}) {
    vonage.pending.front()({200,
                            "application/json",
                            fmt::format(R"({{"message-count":"2","messages":[{{"message-id":"{0}1","status":"0"}},)"
                                        R"({{"message-id":"{0}2","status":"0"}}]}})",
                                        prefix),
                            {}});
    vonage.pending.erase(vonage.pending.begin());
  }
  ASSERT_TRUE(run_until(context.io(), [&] { return outcomes.size() == 2; }));
  auto report = [&](const std::string& id, const std::string& status, const std::string& code = "0") {
    return context
        .call("GET", "status",
              "token=tok&msisdn=15557654321&to=15550001111&messageId=" + id + "&status=" + status + "&err-code=" + code)
        .status;
  };
  // First text: the receipt waits for the second part.
  EXPECT_EQ(report("A2", "delivered"), 200);
  EXPECT_EQ(receipt_in(context.delivered), nullptr);
  EXPECT_EQ(report("A1", "delivered"), 200);
  const auto* receipt = receipt_in(context.delivered);
  ASSERT_NE(receipt, nullptr);
  EXPECT_EQ(receipt->child("received", xmpp::ns::receipts)->attr_or("id"), "m1");
  auto part_rows = context.store().kv().list("sms", "", fmt::format("ostat:{}|", context.queued[0].id));
  ASSERT_TRUE(part_rows);
  EXPECT_TRUE(part_rows->empty());  // the per-part records went with the receipt
  // Second text: one part failed, so an error and never a receipt.
  EXPECT_EQ(report("B1", "delivered"), 200);
  EXPECT_EQ(report("B2", "failed", "6"), 200);
  int receipts = 0, errors = 0;
  for (const auto& d : context.delivered) {
    receipts += d.child("received", xmpp::ns::receipts) != nullptr;
    errors += d.attr_or("type") == "error" && d.attr_or("id") == "m2";
  }
  EXPECT_EQ(receipts, 1);
  EXPECT_EQ(errors, 1);
}

TEST(SmsMultipart, OwnAccountReportBeforeTheSendAnswerIsCheckedWithThatAccount) {
  FakeContext context(toml::table{});
  ProviderServer twilio(context.io(), "/2010-04-01/Accounts/ACbob/Messages.json");
  auto config = toml::parse(R"(
provider = "twilio"
account_sid = "ACop"
auth_token = "operator-token"
self_service = true
[numbers]
"+15550001111" = "alice@example.org"
)");
  config.insert_or_assign("api_url", twilio.url());
  context.set_config(std::move(config));
  context.register_user("bob@example.org",
                        {{"number", "+15550003333"}, {"account_sid", "ACbob"}, {"auth_token", "bob-token"}});
  SmsGateway gateway(context);
  gateway.start();
  gateway.on_message(chat("bob@example.org/pc", "+15557654321@sms.example.org", "hi", "b1"), jid("bob@example.org/pc"),
                     jid("+15557654321@sms.example.org"));
  ASSERT_EQ(context.queued.size(), 1u);
  std::optional<core::SendOutcome> outcome;
  context.sender(context.queued[0], [&](core::SendOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(run_until(context.io(), [&] { return !twilio.pending.empty(); }));
  const std::string callback = "https://gw.example.org/webhooks/sms/status?account=15550003333";
  EXPECT_NE(twilio.bodies[0].find("StatusCallback=" + url_encode(callback)), std::string::npos) << twilio.bodies[0];

  // The report arrives while the send is unanswered: its id is not known yet.
  Params form{{"MessageSid", "SMbob1"}, {"MessageStatus", "delivered"}, {"AccountSid", "ACbob"}};
  auto post = [&](const std::string& token, const std::string& account) {
    std::multimap<std::string, std::string> headers{
        {"content-type", "application/x-www-form-urlencoded"},
        {"x-twilio-signature",
         twilio_signature(token, "https://gw.example.org/webhooks/sms/status?account=" + account, form)}};
    return context.call("POST", "status", "account=" + account, form_encode(form), headers).status;
  };
  EXPECT_EQ(post("operator-token", "15550003333"), 403);  // not the account the URL names
  EXPECT_EQ(post("bob-token", "15550009999"), 403);       // a key nobody registered
  EXPECT_EQ(post("bob-token", "15550003333"), 200);
  EXPECT_EQ(receipt_in(context.delivered), nullptr);

  twilio.pending.front()({201, "application/json", R"({"sid":"SMbob1","status":"queued"})", {}});
  ASSERT_TRUE(run_until(context.io(), [&] { return outcome.has_value(); }));
  EXPECT_EQ(outcome->provider_ref, "SMbob1");
  const auto* receipt = receipt_in(context.delivered);
  ASSERT_NE(receipt, nullptr);
  EXPECT_EQ(receipt->attr_or("to"), "bob@example.org/pc");
}

TEST(SmsMultipart, OwnAccountCannotReportOnAnotherUsersText) {
  FakeContext context(toml::table{});
  ProviderServer twilio(context.io(), "/2010-04-01/Accounts/ACop/Messages.json");
  auto config = toml::parse(R"(
provider = "twilio"
account_sid = "ACop"
auth_token = "operator-token"
self_service = true
[numbers]
"+15550001111" = "alice@example.org"
)");
  config.insert_or_assign("api_url", twilio.url());
  context.set_config(std::move(config));
  context.register_user("bob@example.org",
                        {{"number", "+15550003333"}, {"account_sid", "ACbob"}, {"auth_token", "bob-token"}});
  SmsGateway gateway(context);
  gateway.start();
  // Alice texts through the operator's account and the answer names the message.
  gateway.on_message(chat("alice@example.org/pc", "+15557654321@sms.example.org", "hi", "a1"),
                     jid("alice@example.org/pc"), jid("+15557654321@sms.example.org"));
  std::optional<core::SendOutcome> outcome;
  context.sender(context.queued.at(0), [&](core::SendOutcome o) { outcome = std::move(o); });
  ASSERT_TRUE(run_until(context.io(), [&] { return !twilio.pending.empty(); }));
  twilio.pending.front()({201, "application/json", R"({"sid":"SMalice","status":"queued"})", {}});
  ASSERT_TRUE(run_until(context.io(), [&] { return outcome.has_value(); }));
  // Bob knows his own token: a "failed" for Alice's text signed with it must not count.
  Params form{{"MessageSid", "SMalice"}, {"MessageStatus", "failed"}, {"ErrorCode", "30007"}};
  std::multimap<std::string, std::string> headers{
      {"content-type", "application/x-www-form-urlencoded"},
      {"x-twilio-signature",
       twilio_signature("bob-token", "https://gw.example.org/webhooks/sms/status?account=15550003333", form)}};
  EXPECT_EQ(context.call("POST", "status", "account=15550003333", form_encode(form), headers).status, 403);
  EXPECT_TRUE(context.delivered.empty());
}

}  // namespace
}  // namespace junction::sms
