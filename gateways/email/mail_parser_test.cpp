#include "mail_parser.hpp"

#include "reply_tail.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace junction::email {
namespace {

std::string fixture(const std::string& name) {
  auto path = std::filesystem::path(JUNCTION_EMAIL_TESTDATA) / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "missing fixture " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ParsedMail parse_fixture(const std::string& name, const ParseOptions& options = {}) {
  auto mail = parse_mail(fixture(name), options);
  EXPECT_TRUE(mail) << name << ": " << (mail ? "" : mail.error().message);
  return mail ? *mail : ParsedMail{};
}

TEST(MailParser, AlternativePrefersPlainTextAndReadsThreading) {
  ParsedMail m = parse_fixture("alternative.eml");
  EXPECT_EQ(m.message_id, "<CAFk3n=abc123@mail.gmail.com>");
  EXPECT_EQ(m.in_reply_to, "<msg1.00000000000000aa@mail.example.org>");
  ASSERT_EQ(m.references.size(), 2u);
  EXPECT_EQ(m.references[0], "<root@mail.example.org>");
  EXPECT_EQ(m.references[1], "<msg1.00000000000000aa@mail.example.org>");
  EXPECT_EQ(m.from.address, "bob@example.com");
  EXPECT_EQ(m.from.name, "Björn Müller");
  ASSERT_EQ(m.to.size(), 1u);
  EXPECT_EQ(m.to[0].address, "alice@example.org");
  EXPECT_EQ(m.subject, "Re: Café on Friday");
  ASSERT_TRUE(m.date);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*m.date), 1710231300);  // 08:15:00Z
  EXPECT_FALSE(m.text_from_html);
  EXPECT_TRUE(m.text.starts_with("Sure, see you at the café at 10.\n\nOn Mon")) << m.text;
  EXPECT_TRUE(m.attachments.empty());
  EXPECT_FALSE(m.auto_submitted);
  EXPECT_FALSE(m.list);
  EXPECT_FALSE(m.is_dsn());
}

TEST(MailParser, HtmlOnlyBecomesReadableText) {
  ParsedMail m = parse_fixture("html_only.eml");
  EXPECT_TRUE(m.text_from_html);
  EXPECT_EQ(m.text,
            "Hello Alice,\n\n"
            "Your order #42 & the \"gift\" ship today.\n"
            "Total: 12€ – thanks!\n\n"
            "- Item one\n"
            "- Item <two>\n\n"
            "Track it here <https://shop.example/track?id=42&x=1> or mail help@shop.example.\n"
            "> quoted line\n"
            "[Shop logo]");
}

TEST(MailParser, Latin1BodyAndHeaders) {
  ParsedMail m = parse_fixture("latin1.eml");
  EXPECT_EQ(m.subject, "Grüße aus Köln");
  EXPECT_EQ(m.from.name, "Jürgen");
  EXPECT_EQ(m.text, "Grüße aus Köln, schöne Straße!\n");
}

TEST(MailParser, Windows1252EuroAndSmartQuotes) {
  ParsedMail m = parse_fixture("windows1252.eml");
  EXPECT_EQ(m.subject, "“Price” list");
  EXPECT_EQ(m.from.name, "O'Brien, Pat");
  EXPECT_EQ(m.text, "The “new” price is 20€ – that’s final…\n");
}

TEST(MailParser, Base64Utf8) {
  ParsedMail m = parse_fixture("base64_utf8.eml");
  EXPECT_EQ(m.subject, "Привет");
  EXPECT_EQ(m.from.name, "Борис");
  EXPECT_EQ(m.text, "Привет, Алиса! Как дела? 👋\nВторая строка.\n");
}

TEST(MailParser, NestedMixedAlternativeWithAttachment) {
  ParsedMail m = parse_fixture("nested.eml");
  EXPECT_EQ(m.text, "Here is the report.\n");
  ASSERT_EQ(m.attachments.size(), 1u);
  const Attachment& a = m.attachments[0];
  EXPECT_EQ(a.filename, "report.pdf");
  EXPECT_EQ(a.content_type, "application/pdf");
  EXPECT_EQ(a.size, a.bytes.size());
  EXPECT_TRUE(a.bytes.starts_with("%PDF-1.4\n"));
  EXPECT_FALSE(a.omitted);
}

TEST(MailParser, AttachmentOverLimitIsMeasuredNotKept) {
  ParseOptions options;
  options.max_attachment_bytes = 10;
  ParsedMail m = parse_fixture("nested.eml", options);
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_TRUE(m.attachments[0].omitted);
  EXPECT_TRUE(m.attachments[0].bytes.empty());
  EXPECT_GT(m.attachments[0].size, 10u);
}

TEST(MailParser, Rfc2231FilenamesAreDecoded) {
  ParsedMail m = parse_fixture("rfc2231.eml");
  EXPECT_EQ(m.text, "Voilà les fichiers.\n");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].filename, "€ rapport été.txt");
  EXPECT_EQ(m.attachments[0].content_type, "text/plain");
  EXPECT_EQ(m.attachments[0].bytes, "contenu du rapport\r\n");
  EXPECT_EQ(m.attachments[1].filename, "très long nom.bin");
  EXPECT_EQ(m.attachments[1].bytes, std::string("\0\1\2\3\4\5\6\7\x08\x09", 10));
}

TEST(MailParser, PostfixDsn) {
  ParsedMail m = parse_fixture("dsn_postfix.eml");
  ASSERT_TRUE(m.is_dsn());
  EXPECT_TRUE(m.auto_submitted);
  EXPECT_EQ(m.dsn->reporting_mta, "mx.example.org");
  EXPECT_EQ(m.dsn->original_message_id, "<stanza-17.00000000deadbeef@mail.example.org>");
  const DsnRecipient* r = m.dsn->first_failed();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->recipient, "nobody@example.com");
  EXPECT_EQ(r->status, "5.1.1");
  EXPECT_EQ(r->diagnostic,
            "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in virtual mailbox table");
  EXPECT_NE(m.text.find("could not\nbe delivered"), std::string::npos);
  EXPECT_TRUE(m.attachments.empty());
}

TEST(MailParser, EximDsnWithEmbeddedMessage) {
  ParsedMail m = parse_fixture("dsn_exim.eml");
  ASSERT_TRUE(m.is_dsn());
  EXPECT_EQ(m.dsn->original_message_id, "<stanza-99.0000000000000001@mail.example.org>");
  const DsnRecipient* r = m.dsn->first_failed();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->recipient, "ghost@example.net");
  EXPECT_EQ(r->action, "failed");
  EXPECT_EQ(r->status, "5.0.0");
  EXPECT_EQ(r->diagnostic, "550 5.1.1 No such user");
}

TEST(MailParser, AutoReplyIsFlagged) {
  ParsedMail m = parse_fixture("auto_reply.eml");
  EXPECT_TRUE(m.auto_submitted);
  EXPECT_TRUE(m.list);  // Precedence: bulk
  EXPECT_FALSE(m.is_dsn());
  EXPECT_EQ(m.in_reply_to, "<msg1.00000000000000aa@mail.example.org>");
}

TEST(MailParser, ListMailIsFlagged) {
  ParsedMail m = parse_fixture("list.eml");
  EXPECT_TRUE(m.list);
  EXPECT_FALSE(m.auto_submitted);
  EXPECT_EQ(m.list_id, "Developers <dev.lists.example.com>");
}

TEST(MailParser, ReplyTailTrimmedFromParsedBody) {
  ParsedMail m = parse_fixture("reply_gmail.eml");
  EXPECT_EQ(trim_reply_tail(m.text, QuotedTail::trim), "Sounds good, let's do it.\n");
  EXPECT_EQ(trim_reply_tail(m.text, QuotedTail::keep), m.text);
}

TEST(MailParser, MinimalAndBrokenInput) {
  auto bare = parse_mail("Subject: hi\r\n\r\nbody\r\n");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->message_id.empty());
  EXPECT_TRUE(bare->from.address.empty());
  EXPECT_EQ(bare->text, "body\n");
  EXPECT_FALSE(parse_mail(""));
  EXPECT_FALSE(parse_mail("no headers here, just text\n"));
}

TEST(MailParser, InvalidUtf8IsRepaired) {
  std::string raw =
      "From: x@example.com\r\nSubject: bad \xff bytes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
      "caf\xe9 \xc3\x28\r\n";
  auto m = parse_mail(raw);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text, "caf\xEF\xBF\xBD \xEF\xBF\xBD(\n");
}

TEST(MailParser, TruncatedFixturesNeverCrash) {
  for (const char* name : {"nested.eml", "dsn_postfix.eml", "rfc2231.eml", "html_only.eml"}) {
    std::string raw = fixture(name);
    for (std::size_t cut = 0; cut < raw.size(); cut += 37) {
      auto m = parse_mail(std::string_view(raw).substr(0, cut));
      if (m) {
        EXPECT_LE(m->text.size(), ParseOptions{}.max_text_bytes);
      }
    }
  }
}

}  // namespace
}  // namespace junction::email
