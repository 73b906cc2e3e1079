// The email gateway's flows against a fake context: addressing, who may send, outbound
// queueing and threading, recipient checks, inbound delivery with threads, de-duplication,
// contacts, attachments, bounces.
#include "email_gateway.hpp"

#include "email_test_context.hpp"
#include "outbound.hpp"
#include "xmpp/namespaces.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace junction::email {
namespace {

using test::FakeContext;

toml::table config(std::string extra = {}) {
  return toml::parse(R"(
mail_domain = "example.org"
smtp_url = "smtp://127.0.0.1:1"
inbound_listen = ""
default_subject = "From chat"
)" + extra);
}

xmpp::Jid jid(std::string_view s) { return *xmpp::Jid::parse(s); }

xmpp::Element chat(std::string to, std::string body, std::string id = "m1", std::string thread = {}) {
  xmpp::Element m("message");
  m.set_attr("type", "chat");
  m.set_attr("id", std::move(id));
  m.set_attr("to", std::move(to));
  m.set_attr("from", "alice@example.org/phone");
  m.add_child("body").set_text(std::move(body));
  if (!thread.empty()) m.add_child("thread").set_text(std::move(thread));
  return m;
}

std::string condition(const xmpp::Element& stanza) {
  const auto* e = stanza.child("error");
  if (!e) return {};
  for (const auto* c : e->children())
    if (c->name() != "text") return c->name();
  return {};
}

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(JUNCTION_EMAIL_TESTDATA) / name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kBob = "bob\\40example.net@mail.example.org";

struct Fixture {
  explicit Fixture(toml::table c = config()) : context(std::move(c)), gateway(context) { gateway.start(); }

  void send(const xmpp::Element& m) { gateway.on_message(m, jid(m.attr_or("from")), jid(m.attr_or("to"))); }
  OutboundRequest last_request() {
    EXPECT_FALSE(context.queued.empty());
    return context.queued.empty() ? OutboundRequest{} : decode_request(context.queued.back().payload).value();
  }
  RcptVerdict rcpt(const std::string& address) {
    RcptVerdict verdict = RcptVerdict::temporary_failure;
    gateway.check_recipient(address, [&](RcptVerdict v) { verdict = v; });
    return verdict;
  }
  std::vector<DeliveryStatus> lmtp(std::string raw, std::vector<std::string> rcpts = {"alice@example.org"},
                                   std::string mail_from = "bob@example.net") {
    std::vector<DeliveryStatus> out;
    gateway.deliver_mail({"mx.example.net", std::move(mail_from), std::move(rcpts), std::move(raw)},
                         [&](std::vector<DeliveryStatus> s) { out = std::move(s); });
    return out;
  }

  FakeContext context;
  EmailGateway gateway;
};

std::string bob_mail(std::string extra_headers, std::string body = "Hello Alice\r\n") {
  return "From: Bob Example <Bob@Example.net>\r\nTo: alice@example.org\r\nSubject: Lunch?\r\n"
         "Message-ID: <b1@example.net>\r\n" + extra_headers + "\r\n" + body;
}

TEST(EmailGateway, TranslatesTypedAddressesKeepingTheirCase) {
  Fixture f;
  auto j = f.gateway.legacy_to_jid(" Bob Smith <Bob.Smith@Example.NET> ");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ(j->str(), "bob.smith\\40example.net@mail.example.org");
  EXPECT_TRUE(f.gateway.legacy_to_jid("mailto:bob@example.net"));
  EXPECT_FALSE(f.gateway.legacy_to_jid("not an address"));

  // The case typed is the case written on the envelope.
  f.context.register_user("alice@example.org");
  f.send(chat(j->str(), "hi"));
  EXPECT_EQ(f.last_request().to_address, "Bob.Smith@Example.NET");
}

TEST(EmailGateway, OnlyRegisteredUsersSend) {
  Fixture f;
  f.send(chat(kBob, "hello"));
  ASSERT_EQ(f.context.sent.size(), 1u);
  EXPECT_EQ(condition(f.context.sent[0]), "registration-required");
  EXPECT_TRUE(f.context.queued.empty());
}

TEST(EmailGateway, QueuesACompleteMailAndThreadsTheConversation) {
  Fixture f;
  f.context.register_user("alice@example.org", {{"name", "Alice Liddell"}});
  f.send(chat(kBob, "first", "m1", "t-7"));
  auto first = f.last_request();
  EXPECT_EQ(first.from_address, "alice@example.org");
  EXPECT_EQ(first.from_name, "Alice Liddell");
  EXPECT_EQ(first.to_address, "bob@example.net");
  EXPECT_EQ(first.user, "alice@example.org/phone");
  EXPECT_EQ(first.thread, "t-7");
  EXPECT_TRUE(first.in_reply_to.empty());
  EXPECT_NE(first.message_id.find("@example.org>"), std::string::npos);

  f.send(chat(kBob, "second", "m2"));  // no <thread>: the conversation's own
  auto second = f.last_request();
  EXPECT_EQ(second.thread, "t-7");
  EXPECT_EQ(second.in_reply_to, first.message_id);
  ASSERT_EQ(second.references.size(), 1u);

  auto text = build_request_message(second, "From chat", std::chrono::system_clock::now());
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("Subject: From chat\r\n"), std::string::npos);
  EXPECT_NE(text->find("In-Reply-To: " + first.message_id), std::string::npos);
}

TEST(EmailGateway, RateLimitsEachUser) {
  Fixture f(config("send_rate_per_minute = 2\n"));
  f.context.register_user("alice@example.org");
  for (int i = 0; i < 3; ++i) f.send(chat(kBob, "spam", "m" + std::to_string(i)));
  EXPECT_EQ(f.context.queued.size(), 2u);
  ASSERT_EQ(f.context.sent.size(), 1u);
  EXPECT_EQ(condition(f.context.sent[0]), "resource-constraint");
}

TEST(EmailGateway, ChecksRecipientsAtRcpt) {
  Fixture f;
  EXPECT_EQ(f.rcpt("alice@example.org"), RcptVerdict::unknown_user);
  f.context.register_user("alice@example.org");
  EXPECT_EQ(f.rcpt("alice@example.org"), RcptVerdict::accept);
  EXPECT_EQ(f.rcpt("Alice@EXAMPLE.org"), RcptVerdict::accept);
  EXPECT_EQ(f.rcpt("alice@elsewhere.org"), RcptVerdict::unknown_user);
  EXPECT_EQ(f.rcpt("not-an-address"), RcptVerdict::unknown_user);
}

TEST(EmailGateway, InboundMailBecomesAThreadedChatOnce) {
  Fixture f;
  f.context.register_user("alice@example.org");
  f.send(chat(kBob, "lunch?", "m1", "t-lunch"));
  std::string ours = f.last_request().message_id;

  auto statuses = f.lmtp(bob_mail("In-Reply-To: " + ours + "\r\n", "Sure!\r\n\r\nOn Monday Alice wrote:\r\n> lunch?\r\n"));
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].outcome, DeliveryOutcome::delivered);
  ASSERT_EQ(f.context.delivered.size(), 1u);
  const auto& m = f.context.delivered[0];
  EXPECT_EQ(m.attr_or("from"), "bob\\40example.net@mail.example.org");
  EXPECT_EQ(m.attr_or("to"), "alice@example.org");
  EXPECT_EQ(m.child_text("subject"), "Lunch?");
  EXPECT_EQ(m.child_text("thread"), "t-lunch");
  EXPECT_EQ(m.child_text("body"), "Sure!");

  // A new correspondent is offered as a contact.
  ASSERT_FALSE(f.context.sent.empty());
  EXPECT_EQ(f.context.sent.back().attr_or("type"), "subscribe");
  EXPECT_EQ(f.context.sent.back().child_text("nick", xmpp::ns::nick), "Bob Example");

  // The MTA retrying the same mail gets its 250 again, and nothing is delivered twice.
  statuses = f.lmtp(bob_mail("In-Reply-To: " + ours + "\r\n"));
  EXPECT_EQ(statuses[0].outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(f.context.delivered.size(), 1u);

  // The chat reply goes to the address as Bob wrote it, in reply to his mail.
  f.send(chat(kBob, "see you", "m2"));
  EXPECT_EQ(f.last_request().to_address, "Bob@Example.net");
  EXPECT_EQ(f.last_request().in_reply_to, "<b1@example.net>");
}

TEST(EmailGateway, MachineMailIsLabelled) {
  Fixture f;
  f.context.register_user("alice@example.org");
  f.lmtp(bob_mail("Auto-Submitted: auto-replied\r\n"));
  ASSERT_EQ(f.context.delivered.size(), 1u);
  EXPECT_EQ(f.context.delivered[0].child_text("body").rfind("[automatic] ", 0), 0u);
}

TEST(EmailGateway, AttachmentsAreServedByToken) {
  Fixture f;
  f.context.register_user("alice@example.org");
  std::string raw =
      "From: bob@example.net\r\nTo: alice@example.org\r\nSubject: file\r\nMessage-ID: <f1@example.net>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
      "Content-Type: text/plain\r\n\r\nsee attached\r\n--XX\r\nContent-Type: image/png\r\n"
      "Content-Disposition: attachment; filename=\"../../pic.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "iVBORw0KGgo=\r\n--XX--\r\n";
  f.lmtp(raw);
  ASSERT_EQ(f.context.delivered.size(), 1u);
  const auto* oob = f.context.delivered[0].child("x", xmpp::ns::oob);
  ASSERT_NE(oob, nullptr);
  std::string url = oob->child_text("url");
  EXPECT_EQ(oob->child_text("desc"), "pic.png");
  auto token = url.substr(url.find("t=") + 2);
  EXPECT_EQ(token.size(), 32u);

  net::HttpRequest request;
  request.method = "GET";
  request.query = "t=" + token;
  net::HttpResponse response;
  f.context.webhooks.at("GET attachment")(request, [&](net::HttpResponse r) { response = std::move(r); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, std::string("\x89PNG\r\n\x1a\n", 8));
  request.query = "t=" + std::string(32, '0');
  f.context.webhooks.at("GET attachment")(request, [&](net::HttpResponse r) { response = std::move(r); });
  EXPECT_EQ(response.status, 404);
}

TEST(EmailGateway, BounceBecomesAnErrorOnTheOriginalMessage) {
  Fixture f;
  f.context.register_user("alice@example.org");
  Conversations conversations(f.context.store().kv(), "mail");
  ASSERT_TRUE(conversations.remember_sent("<stanza-99.0000000000000001@mail.example.org>",
                                          {"alice@example.org/phone", "ghost\\40example.net@mail.example.org", "s-99", "t"}));
  auto statuses = f.lmtp(fixture("dsn_exim.eml"), {"alice@example.org"}, "");
  EXPECT_EQ(statuses[0].outcome, DeliveryOutcome::delivered);
  ASSERT_EQ(f.context.delivered.size(), 1u);
  const auto& e = f.context.delivered[0];
  EXPECT_EQ(e.attr_or("type"), "error");
  EXPECT_EQ(e.attr_or("id"), "s-99");
  EXPECT_EQ(e.attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(condition(e), "recipient-unavailable");
  EXPECT_NE(e.child("error")->child_text("text").find("ghost@example.net"), std::string::npos);
}

TEST(EmailGateway, PermanentFailureTellsTheSender) {
  Fixture f;
  f.context.register_user("alice@example.org");
  f.send(chat(kBob, "hello", "m9"));
  f.context.on_failure(f.context.queued.back(), "550 no such user");
  ASSERT_EQ(f.context.delivered.size(), 1u);
  EXPECT_EQ(f.context.delivered[0].attr_or("id"), "m9");
  EXPECT_EQ(f.context.delivered[0].attr_or("to"), "alice@example.org/phone");
  EXPECT_EQ(condition(f.context.delivered[0]), "recipient-unavailable");
}

TEST(EmailGateway, AdminGrantsAnExtraAddress) {
  Fixture f;
  core::AdhocCommand grant;
  for (auto& c : f.gateway.commands())
    if (c.node == "email/grant-address") grant = c;
  ASSERT_TRUE(grant.admin_only);
  core::CommandRequest request{jid("admin@example.org/pc"), jid("mail.example.org"), "execute", std::nullopt};
  core::CommandResponse response;
  grant.run(request, [&](core::CommandResponse r) { response = std::move(r); });
  ASSERT_TRUE(response.form);
  xmpp::DataForm form;
  form.type = "submit";
  form.fields = {{"user", "", "", "", false, {"carol@example.org"}, {}},
                 {"address", "", "", "", false, {"sales@shop.example"}, {}},
                 {"action", "", "", "", false, {"grant"}, {}}};
  request.form = form;
  grant.run(request, [&](core::CommandResponse r) { response = std::move(r); });
  ASSERT_EQ(response.notes.size(), 1u);
  EXPECT_EQ(response.notes[0].first, "info");
  EXPECT_EQ(f.rcpt("sales@shop.example"), RcptVerdict::accept);
  f.lmtp(bob_mail(""), {"sales@shop.example"});
  ASSERT_EQ(f.context.delivered.size(), 1u);
  EXPECT_EQ(f.context.delivered[0].attr_or("to"), "carol@example.org");

  // Carol may now send as it; others may not.
  EXPECT_TRUE(f.gateway.validate_registration(jid("carol@example.org"), {{"address", "sales@shop.example"}}));
  EXPECT_FALSE(f.gateway.validate_registration(jid("alice@example.org"), {{"address", "sales@shop.example"}}));
}

TEST(EmailGateway, ConfigProblemsNameTheirLine) {
  auto problems = validate_email_config(toml::parse("smtp_url = \"http://x\"\nquoted_tail = \"fold\"\n"));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].line, 0);  // mail_domain missing: the table's line
  EXPECT_EQ(problems[1].line, 1);
  EXPECT_EQ(problems[2].line, 2);
  EXPECT_TRUE(validate_email_config(config()).empty());
}

}  // namespace
}  // namespace junction::email
