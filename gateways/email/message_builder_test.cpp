#include "message_builder.hpp"

#include "mail_parser.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

using namespace std::chrono_literals;

MailAddress addr(std::string_view s) {
  auto a = parse_address(s);
  EXPECT_TRUE(a) << s;
  return a ? *a : MailAddress{};
}

OutgoingMail sample() {
  OutgoingMail m;
  m.from = addr("alice@example.org");
  m.from_name = "Alice";
  m.to = addr("Bob@Example.com");
  m.subject = "Lunch";
  m.date = std::chrono::system_clock::time_point{1710231300s};
  m.body = "See you at noon.";
  m.message_id = make_message_id("msg-1", "mail.example.org", 0xab);
  return m;
}

std::string build(const OutgoingMail& m) {
  auto text = build_message(m);
  EXPECT_TRUE(text) << text.error().message;
  return text ? *text : std::string();
}

std::string headers_of(const std::string& message) { return message.substr(0, message.find("\r\n\r\n") + 2); }

void expect_wire_safe(const std::string& message) {
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "message does not end with CRLF";
    std::string_view line(message.data() + start, end - start);
    EXPECT_LE(line.size(), 998u);
    EXPECT_EQ(line.find('\r'), std::string_view::npos) << "bare CR";
    EXPECT_EQ(line.find('\n'), std::string_view::npos) << "bare LF";
    EXPECT_EQ(line.find('\0'), std::string_view::npos) << "NUL";
    start = end + 2;
  }
}

TEST(MessageBuilder, PlainAsciiMessage) {
  std::string m = build(sample());
  EXPECT_EQ(m,
            "Date: Tue, 12 Mar 2024 08:15:00 +0000\r\n"
            "From: Alice <alice@example.org>\r\n"
            "To: <Bob@Example.com>\r\n"
            "Subject: Lunch\r\n"
            "Message-ID: <msg-1.00000000000000ab@mail.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "User-Agent: Junction\r\n"
            "X-Mailer: Junction\r\n"
            "\r\n"
            "See you at noon.\r\n");
  EXPECT_EQ(m.find("Auto-Submitted"), std::string::npos);
}

TEST(MessageBuilder, NonAsciiSubjectNameAndBodyRoundTrip) {
  OutgoingMail out = sample();
  out.from_name = "Zoë \"the\" Ünïcode";
  out.subject = "Grüße — " + std::string(120, 'x') + " ✓ end";
  out.body = "Käse\nline two\r\n" + std::string(200, 'y') + "\n.\nFrom the start\n";
  std::string m = build(out);
  expect_wire_safe(m);
  std::string headers = headers_of(m);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(headers.find("From: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(headers.find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
  // Folded header lines stay within 78 columns where the content allows it.
  for (std::size_t start = 0, end; (end = headers.find("\r\n", start)) != std::string::npos; start = end + 2) {
    EXPECT_LE(end - start, 78u) << headers.substr(start, end - start);
  }
  auto parsed = parse_mail(m);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->subject, out.subject);
  EXPECT_EQ(parsed->from.name, out.from_name);
  EXPECT_EQ(parsed->from.address, "alice@example.org");
  EXPECT_EQ(parsed->text, "Käse\nline two\n" + std::string(200, 'y') + "\n.\nFrom the start\n");
  EXPECT_EQ(parsed->message_id, "<msg-1.00000000000000ab@mail.example.org>");
}

TEST(MessageBuilder, QuotedPrintableLinesAreShort) {
  OutgoingMail out = sample();
  out.body = std::string(500, 'a') + " é " + std::string(80, '=');
  std::string m = build(out);
  std::string body = m.substr(m.find("\r\n\r\n") + 4);
  for (std::size_t start = 0, end; (end = body.find("\r\n", start)) != std::string::npos; start = end + 2) {
    EXPECT_LE(end - start, 76u);
  }
  auto parsed = parse_mail(m);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, out.body + "\n");
}

TEST(MessageBuilder, BareCrAndLfBecomeCrlf) {
  OutgoingMail out = sample();
  out.body = "a\rb\nc\r\nd\r\r\ne\0f";
  out.body.push_back('\0');
  std::string m = build(out);
  expect_wire_safe(m);
  EXPECT_TRUE(m.ends_with("\r\n\r\na\r\nb\r\nc\r\nd\r\n\r\ne\r\n")) << m;
}

TEST(MessageBuilder, HeaderInjectionIsImpossible) {
  OutgoingMail out = sample();
  out.subject = "hi\r\nBcc: evil@x";
  out.from_name = "Mallory\r\nBcc: evil@x\r\n\r\nbody";
  out.to_name = std::string("x\0y\nCc: evil@x", 14);
  out.in_reply_to = "<a@b>\r\nBcc: evil@x";
  out.references = {"<ok@example.org>", "<bad@x>\r\nBcc: evil@x", "no-at-sign", "<sp ace@x>"};
  std::string m = build(out);
  expect_wire_safe(m);
  std::string headers = headers_of(m);
  for (std::size_t start = 0, end; (end = headers.find("\r\n", start)) != std::string::npos; start = end + 2) {
    std::string_view line(headers.data() + start, end - start);
    EXPECT_FALSE(line.starts_with("Bcc")) << line;
    EXPECT_FALSE(line.starts_with("Cc")) << line;
  }
  EXPECT_NE(headers.find("Subject: hi Bcc: evil@x\r\n"), std::string::npos);
  EXPECT_EQ(headers.find("In-Reply-To"), std::string::npos);
  EXPECT_NE(headers.find("References: <ok@example.org>\r\n"), std::string::npos);
  auto parsed = parse_mail(m);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->to.size(), 1u);
  EXPECT_EQ(parsed->from.name, "Mallory Bcc: evil@x body");
}

TEST(MessageBuilder, ThreadingHeaders) {
  OutgoingMail out = sample();
  out.in_reply_to = "parent@example.com";
  for (int i = 0; i < 30; ++i) out.references.push_back("<ref" + std::to_string(i) + "@example.com>");
  std::string m = build(out);
  expect_wire_safe(m);
  EXPECT_NE(m.find("In-Reply-To: <parent@example.com>\r\n"), std::string::npos);
  auto parsed = parse_mail(m);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->references.size(), 20u);
  EXPECT_EQ(parsed->references.front(), "<ref0@example.com>");
  EXPECT_EQ(parsed->references[1], "<ref11@example.com>");
  EXPECT_EQ(parsed->references.back(), "<ref29@example.com>");
}

TEST(MessageBuilder, DefaultSubjectAndDisplayNameQuoting) {
  OutgoingMail out = sample();
  out.subject = " \r\n ";
  out.default_subject = "Message from XMPP";
  out.from_name = "Smith, John (work)";
  std::string m = build(out);
  EXPECT_NE(m.find("Subject: Message from XMPP\r\n"), std::string::npos);
  EXPECT_NE(m.find("From: \"Smith, John (work)\" <alice@example.org>\r\n"), std::string::npos);
  out.default_subject.clear();
  EXPECT_EQ(build(out).find("Subject:"), std::string::npos);
}

TEST(MessageBuilder, MessageIdIsAlwaysWellFormed) {
  EXPECT_EQ(make_message_id("abc", "mail.example.org", 1), "<abc.0000000000000001@mail.example.org>");
  std::string id = make_message_id("a b>\r\n<@x.y=", "mail.example.org", 2);
  EXPECT_EQ(id, "<a=20b=3E=0D=0A=3C=40x=2Ey=3D.0000000000000002@mail.example.org>");
  EXPECT_EQ(normalize_message_id(id), id);
  EXPECT_EQ(normalize_message_id(make_message_id(std::string(500, 'z'), "d", 3)).size(),
            1 + 64 + 1 + 16 + 1 + 1 + 1);
  EXPECT_NE(make_message_id("", "d"), make_message_id("", "d"));
  OutgoingMail out = sample();
  out.message_id = "not an id";
  EXPECT_FALSE(build_message(out));
}

TEST(MessageBuilder, AutoGeneratedNotices) {
  OutgoingMail out = sample();
  out.auto_generated = true;
  EXPECT_NE(build(out).find("Auto-Submitted: auto-generated\r\n"), std::string::npos);
}

TEST(MessageBuilder, InvalidAddressIsRefused) {
  OutgoingMail out = sample();
  out.to.domain = "example.com>\r\nBcc: x@y";
  EXPECT_FALSE(build_message(out));
}

}  // namespace
}  // namespace junction::email
