// The SMS gateway's flows against a fake context: addressing, ownership, outbound checks and
// queueing, webhooks (authenticity, de-duplication, routing), receipts and failures.
#include "gateways/sms/sms_gateway.hpp"

#include "gateways/sms/codec.hpp"
#include "gateways/sms/sms_test_context.hpp"
#include "gateways/sms/twilio.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

using test::FakeContext;

toml::table kannel_config(std::string extra = {}) {
  return toml::parse(R"(
provider = "kannel"
api_url = "http://127.0.0.1:1/cgi-bin/sendsms"
username = "u"
password = "p"
webhook_token = "tok"
default_country = "US"
max_segments = 2
[numbers]
"+15550001111" = "alice@example.org"
)" + extra);
}

toml::table twilio_config() {
  return toml::parse(R"(
provider = "twilio"
account_sid = "AC123"
auth_token = "secret-token"
api_url = "http://127.0.0.1:1"
[numbers]
"+15550001111" = "alice@example.org"
)");
}

xmpp::Element chat(std::string to, std::string body, std::string id = "m1") {
  xmpp::Element m("message");
  m.set_attr("type", "chat");
  m.set_attr("id", std::move(id));
  m.set_attr("to", std::move(to));
  m.set_attr("from", "alice@example.org/phone");
  m.add_child("body").set_text(std::move(body));
  return m;
}

xmpp::Jid jid(std::string_view s) { return *xmpp::Jid::parse(s); }

std::string error_condition(const xmpp::Element& stanza) {
  const auto* e = stanza.child("error");
  if (!e) return {};
  for (const auto* c : e->children())
    if (c->name() != "text") return c->name();
  return {};
}

struct Fixture {
  explicit Fixture(toml::table config) : context(std::move(config)), gateway(context) { gateway.start(); }
  FakeContext context;
  SmsGateway gateway;
};

TEST(SmsGateway, TranslatesTypedNumbersToJids) {
  Fixture f(kannel_config());
  auto j = f.gateway.legacy_to_jid("(555) 123-4567");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->str(), "+15551234567@sms.example.org");
  EXPECT_FALSE(f.gateway.legacy_to_jid("hello"));
}

TEST(SmsGateway, RefusesUsersWithoutANumber) {
  Fixture f(kannel_config());
  auto m = chat("+15551234567@sms.example.org", "hi");
  m.set_attr("from", "bob@example.org/pc");
  f.gateway.on_message(m, jid("bob@example.org/pc"), jid("+15551234567@sms.example.org"));
  ASSERT_EQ(f.context.sent.size(), 1u);
  EXPECT_EQ(error_condition(f.context.sent[0]), "registration-required");
  EXPECT_NE(xmpp::error_text(f.context.sent[0]).find("no phone number"), std::string::npos);
  EXPECT_TRUE(f.context.queued.empty());
}

TEST(SmsGateway, RefusesTextsOverTheSegmentCap) {
  Fixture f(kannel_config());
  f.gateway.on_message(chat("+15551234567@sms.example.org", std::string(400, 'a')), jid("alice@example.org/phone"),
                       jid("+15551234567@sms.example.org"));
  ASSERT_EQ(f.context.sent.size(), 1u);
  EXPECT_EQ(error_condition(f.context.sent[0]), "not-acceptable");
  EXPECT_NE(xmpp::error_text(f.context.sent[0]).find("3 SMS"), std::string::npos);
}

TEST(SmsGateway, QueuesOnceWithTheOwnersNumberAndStripsTheOobUrl) {
  Fixture f(kannel_config());
  auto m = chat("5551234567@sms.example.org", "look https://up.example.org/a.jpg");
  m.add_child("request", std::string(xmpp::ns::receipts));
  m.add_child("x", std::string(xmpp::ns::oob)).add_child("url").set_text("https://up.example.org/a.jpg");
  f.gateway.on_message(m, jid("alice@example.org/phone"), jid("5551234567@sms.example.org"));
  f.gateway.on_message(m, jid("alice@example.org/phone"), jid("5551234567@sms.example.org"));  // resent
  ASSERT_TRUE(f.context.sent.empty());
  ASSERT_EQ(f.context.queued.size(), 1u);
  auto out = decode_outbound(f.context.queued[0].payload);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->from, "+15550001111");
  EXPECT_EQ(out->to, "+15551234567");
  EXPECT_EQ(out->body, "look");
  EXPECT_EQ(out->media_urls, std::vector<std::string>{"https://up.example.org/a.jpg"});
  EXPECT_TRUE(out->receipt);
  EXPECT_EQ(out->user, "alice@example.org/phone");
}

TEST(SmsGateway, KannelInboundIsVerifiedStoredOnceAndRouted) {
  Fixture f(kannel_config());
  EXPECT_EQ(f.context.call("GET", "inbound", "token=bad&from=%2B15557654321&to=%2B15550001111&text=hi&id=k1").status,
            403);
  EXPECT_TRUE(f.context.delivered.empty());
  const std::string q = "token=tok&from=%2B15557654321&to=%2B15550001111&text=hi%20there&id=k1";
  EXPECT_EQ(f.context.call("GET", "inbound", q).status, 200);
  EXPECT_EQ(f.context.call("GET", "inbound", q).status, 200);  // the provider retried
  // A presence subscription introduces the new contact, then the text.
  ASSERT_EQ(f.context.delivered.size(), 2u);
  EXPECT_EQ(f.context.delivered[0].name(), "presence");
  EXPECT_EQ(f.context.delivered[0].attr_or("type"), "subscribe");
  const auto& m = f.context.delivered[1];
  EXPECT_EQ(m.attr_or("from"), "+15557654321@sms.example.org");
  EXPECT_EQ(m.attr_or("to"), "alice@example.org");
  EXPECT_EQ(m.child_text("body"), "hi there");
  auto contact = f.context.store().contacts().get("sms", "alice@example.org", "+15557654321@sms.example.org");
  ASSERT_TRUE(contact && *contact);
}

TEST(SmsGateway, AlphanumericSendersGetAJidButNoReplies) {
  Fixture f(kannel_config());
  EXPECT_EQ(
      f.context.call("GET", "inbound", "token=tok&from=Bank-Alerts&to=%2B15550001111&text=code%201234&id=a1").status,
      200);
  // BANKALERTS would read as a vanity US number; it stays a name.
  EXPECT_EQ(f.context.call("GET", "inbound", "token=tok&from=BANKALERTS&to=%2B15550001111&text=hi&id=a2").status, 200);
  ASSERT_EQ(f.context.delivered.size(), 4u);
  EXPECT_EQ(f.context.delivered[0].attr_or("from"), "bank-alerts@sms.example.org");
  EXPECT_EQ(f.context.delivered[0].child_text("nick", xmpp::ns::nick), "Bank-Alerts");
  EXPECT_EQ(f.context.delivered[1].attr_or("from"), "bank-alerts@sms.example.org");
  EXPECT_EQ(f.context.delivered[1].child_text("body"), "code 1234");
  EXPECT_EQ(f.context.delivered[3].attr_or("from"), "bankalerts@sms.example.org");

  f.gateway.on_message(chat("bank-alerts@sms.example.org", "STOP"), jid("alice@example.org/phone"),
                       jid("bank-alerts@sms.example.org"));
  ASSERT_EQ(f.context.sent.size(), 1u);
  EXPECT_EQ(error_condition(f.context.sent[0]), "not-acceptable");
  EXPECT_NE(xmpp::error_text(f.context.sent[0]).find("alphanumeric sender"), std::string::npos);
  EXPECT_TRUE(f.context.queued.empty());
}

TEST(SmsGateway, TextToAnUnownedNumberIsAcknowledgedAndDropped) {
  Fixture f(kannel_config());
  EXPECT_EQ(f.context.call("GET", "inbound", "token=tok&from=%2B15557654321&to=%2B15559999999&text=x&id=k2").status,
            200);
  EXPECT_TRUE(f.context.delivered.empty());
}

TEST(SmsGateway, StorageFailureMeansNo2xx) {
  Fixture f(kannel_config());
  f.context.fail_deliveries = true;
  EXPECT_EQ(f.context.call("GET", "inbound", "token=tok&from=%2B15557654321&to=%2B15550001111&text=x&id=k3").status,
            503);
}

TEST(SmsGateway, TwilioMmsBecomesOutOfBandData) {
  Fixture f(twilio_config());
  Params form{{"MessageSid", "MM1"},
              {"AccountSid", "AC123"},
              {"From", "+15557654321"},
              {"To", "+15550001111"},
              {"Body", "pic"},
              {"NumMedia", "1"},
              {"MediaUrl0", "https://media.example/1.jpg"}};
  std::string body;
  for (const auto& [k, v] : form) body += (body.empty() ? "" : "&") + url_encode(k) + "=" + url_encode(v);
  std::multimap<std::string, std::string> headers{{"content-type", "application/x-www-form-urlencoded"}};
  auto forged = headers;
  forged.emplace("x-twilio-signature", "AAAA");
  EXPECT_EQ(f.context.call("POST", "inbound", "", body, forged).status, 403);
  headers.emplace("x-twilio-signature",
                  twilio_signature("secret-token", "https://gw.example.org/webhooks/sms/inbound", form));
  EXPECT_EQ(f.context.call("POST", "inbound", "", body, headers).status, 200);
  ASSERT_EQ(f.context.delivered.size(), 2u);
  const auto& m = f.context.delivered[1];
  EXPECT_EQ(m.child_text("body"), "pic\nhttps://media.example/1.jpg");
  const auto* x = m.child("x", xmpp::ns::oob);
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->child_text("url"), "https://media.example/1.jpg");
}

TEST(SmsGateway, DeliveryReportsBecomeReceiptsAndFailures) {
  Fixture f(kannel_config());
  auto m = chat("+15551234567@sms.example.org", "hi", "abc");
  m.add_child("request", std::string(xmpp::ns::receipts));
  f.gateway.on_message(m, jid("alice@example.org/phone"), jid("+15551234567@sms.example.org"));
  m.set_attr("id", "def");
  f.gateway.on_message(m, jid("alice@example.org/phone"), jid("+15551234567@sms.example.org"));
  ASSERT_EQ(f.context.queued.size(), 2u);
  auto id1 = outbound_message_id(f.context.queued[0].id), id2 = outbound_message_id(f.context.queued[1].id);
  EXPECT_EQ(f.context.call("GET", "status", "token=tok&id=" + id1 + "&status=8").status, 200);
  EXPECT_TRUE(f.context.delivered.empty());
  EXPECT_EQ(f.context.call("GET", "status", "token=tok&id=" + id1 + "&status=1").status, 200);
  EXPECT_EQ(f.context.call("GET", "status", "token=tok&id=" + id1 + "&status=1").status, 200);
  ASSERT_EQ(f.context.delivered.size(), 1u);
  const auto* received = f.context.delivered[0].child("received", xmpp::ns::receipts);
  ASSERT_NE(received, nullptr);
  EXPECT_EQ(received->attr_or("id"), "abc");
  EXPECT_EQ(f.context.delivered[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(f.context.delivered[0].attr_or("from"), "+15551234567@sms.example.org");

  EXPECT_EQ(f.context.call("GET", "status", "token=tok&id=" + id2 + "&status=16").status, 200);
  ASSERT_EQ(f.context.delivered.size(), 2u);
  EXPECT_EQ(f.context.delivered[1].attr_or("type"), "error");
  EXPECT_EQ(f.context.delivered[1].attr_or("id"), "def");
  EXPECT_NE(xmpp::error_text(f.context.delivered[1]).find("rejected"), std::string::npos);
}

TEST(SmsGateway, PermanentFailureTellsTheSenderOnce) {
  Fixture f(kannel_config());
  f.gateway.on_message(chat("+15551234567@sms.example.org", "hi", "x1"), jid("alice@example.org/phone"),
                       jid("+15551234567@sms.example.org"));
  ASSERT_EQ(f.context.queued.size(), 1u);
  f.context.on_failure(f.context.queued[0], "Twilio: invalid To (21211)");
  f.context.on_failure(f.context.queued[0], "Twilio: invalid To (21211)");
  ASSERT_EQ(f.context.delivered.size(), 1u);
  EXPECT_EQ(error_condition(f.context.delivered[0]), "recipient-unavailable");
  EXPECT_NE(xmpp::error_text(f.context.delivered[0]).find("21211"), std::string::npos);
}

TEST(SmsGateway, AdminCommandsAssignAndRelease) {
  Fixture f(kannel_config());
  auto commands = f.gateway.commands();
  auto find = [&](const std::string& node) {
    for (auto& c : commands)
      if (c.node == node) return c;
    ADD_FAILURE() << node;
    return core::AdhocCommand{};
  };
  auto run = [](core::AdhocCommand& c, std::map<std::string, std::string> values) {
    core::CommandRequest request{jid("admin@example.org/x"), jid("sms.example.org"), "execute", std::nullopt};
    xmpp::DataForm form;
    form.type = "submit";
    for (auto& [k, v] : values) form.fields.push_back(xmpp::FormField{k, "", "", "", false, {v}, {}});
    request.form = form;
    core::CommandResponse out;
    c.run(request, [&](core::CommandResponse r) { out = std::move(r); });
    return out;
  };
  auto assign = find("sms/assign-number");
  EXPECT_TRUE(assign.admin_only);
  auto r = run(assign, {{"number", "+1 555 000 2222"}, {"jid", "bob@example.org"}});
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0].first, "info") << r.notes[0].second;
  EXPECT_EQ(f.gateway.numbers().owner_of("+15550002222")->owner, "bob@example.org");
  r = run(assign, {{"number", "+15550001111"}, {"jid", "bob@example.org"}});
  EXPECT_EQ(r.notes[0].first, "error");  // alice's, from the config

  NumberDirectory reread("sms", f.context.store());
  ASSERT_TRUE(reread.load());
  EXPECT_EQ(reread.owner_of("+15550002222")->owner, "bob@example.org");

  auto release = find("sms/release-number");
  r = run(release, {{"number", "+15550002222"}});
  EXPECT_EQ(r.notes[0].first, "info") << r.notes[0].second;
  EXPECT_FALSE(f.gateway.numbers().owner_of("+15550002222"));
}

TEST(SmsGateway, SelfServiceRegistrationBringsAnAccount) {
  Fixture f(toml::parse(R"(
provider = "twilio"
account_sid = "AC123"
auth_token = "secret-token"
self_service = true
[numbers]
"+15550001111" = "alice@example.org"
)"));
  auto fields = f.gateway.registration_fields(nullptr);
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].var, "number");
  auto bob = jid("bob@example.org");
  EXPECT_FALSE(f.gateway.validate_registration(
      bob, {{"number", "+15550001111"}, {"account_sid", "ACb"}, {"auth_token", "t"}}));  // alice's
  EXPECT_FALSE(f.gateway.validate_registration(bob, {{"number", "+15550003333"}}));      // no credentials
  auto ok =
      f.gateway.validate_registration(bob, {{"number", "555 000 3333"}, {"account_sid", "ACb"}, {"auth_token", "t"}});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->at("number"), "+15550003333");
  store::Registration registration{"sms", "bob@example.org", *ok, 0, 0};
  ASSERT_TRUE(f.context.store().registrations().upsert(registration));
  f.gateway.on_registered(bob, registration);
  EXPECT_EQ(f.gateway.numbers().number_of("bob@example.org")->number, "+15550003333");
  f.gateway.on_unregistered(bob);
  EXPECT_FALSE(f.gateway.numbers().number_of("bob@example.org"));
}

TEST(SmsConfig, ProblemsCarryTheirLines) {
  auto table = toml::parse(R"(provider = "twilio"
account_sid = "AC1"
max_segments = 0
default_country = "XX"
[numbers]
"12" = "alice@example.org"
"+15550001111" = "not a jid/with resource"
)");
  auto problems = validate_sms_config(table);
  std::map<int, std::string> by_line;
  for (const auto& p : problems) by_line[p.line] += p.message;
  EXPECT_NE(by_line[1].find("auth_token"), std::string::npos);
  EXPECT_NE(by_line[3].find("max_segments"), std::string::npos);
  EXPECT_NE(by_line[4].find("default_country"), std::string::npos);
  EXPECT_TRUE(by_line.count(6));
  EXPECT_NE(by_line[7].find("bare JID"), std::string::npos);
  EXPECT_TRUE(validate_sms_config(kannel_config()).empty());
}

TEST(RateLimiter, SpacesSendsAfterTheBurst) {
  RateLimiter limiter(10, 2);
  auto t = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.reserve(t).count(), 0);
  EXPECT_EQ(limiter.reserve(t).count(), 0);
  EXPECT_NEAR(limiter.reserve(t).count(), 100000, 10);
  EXPECT_NEAR(limiter.reserve(t).count(), 200000, 10);
  EXPECT_EQ(limiter.reserve(t + std::chrono::seconds(10)).count(), 0);
}

}  // namespace
}  // namespace junction::sms

namespace junction::sms {
namespace {

TEST(SmsGateway, ReloadReplacesTheNumberMapAndRefusesABrokenSection) {
  test::FakeContext context(toml::parse(R"(
provider = "kannel"
api_url = "http://127.0.0.1:1/cgi-bin/sendsms"
username = "u"
password = "p"
webhook_token = "tok"
[numbers]
"+15550001111" = "alice@example.org"
)"));
  SmsGateway gateway(context);
  auto assigned = gateway.commands()[0];  // sms/assign-number
  ASSERT_EQ(assigned.node, "sms/assign-number");
  core::CommandRequest request{*xmpp::Jid::parse("admin@example.org/x"), *xmpp::Jid::parse("sms.example.org"),
                               "execute", xmpp::DataForm{}};
  request.form->type = "submit";
  request.form->fields = {xmpp::FormField{"number", "", "", "", false, {"+15550005555"}, {}},
                          xmpp::FormField{"jid", "", "", "", false, {"dave@example.org"}, {}}};
  assigned.run(request, [](core::CommandResponse) {});
  ASSERT_EQ(gateway.numbers().owner_of("+15550005555")->owner, "dave@example.org");
  gateway.reload(toml::parse(R"(
provider = "kannel"
api_url = "http://127.0.0.1:1/cgi-bin/sendsms"
username = "u"
password = "p"
webhook_token = "tok"
[numbers]
"+15550004444" = "carol@example.org"
)"));
  EXPECT_FALSE(gateway.numbers().owner_of("+15550001111"));
  EXPECT_EQ(gateway.numbers().owner_of("+15550004444")->owner, "carol@example.org");
  // Admin assignments are not in the file: a reload keeps them.
  EXPECT_EQ(gateway.numbers().owner_of("+15550005555")->owner, "dave@example.org");
  gateway.reload(toml::parse(R"(provider = "twilio")"));  // no credentials: kept as it was
  EXPECT_EQ(gateway.numbers().owner_of("+15550004444")->owner, "carol@example.org");
}

}  // namespace
}  // namespace junction::sms
