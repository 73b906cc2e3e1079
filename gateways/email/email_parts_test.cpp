// The email gateway's small parts: the outbox codec, thread bookkeeping, the rate limiter,
// attachment names and mail -> stanza mapping.
#include "attachments.hpp"
#include "conversations.hpp"
#include "mail_to_xmpp.hpp"
#include "outbound.hpp"
#include "rate_limit.hpp"
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

TEST(OutboundCodec, RoundTripsAnyBytes) {
  OutboundRequest r;
  r.user = "alice@example.org/phone";
  r.contact = "bob\\40example.net@mail.example.org";
  r.subject = std::string("a,b:c\n\0d", 8);
  r.body = "line 1\r\nline 2, with 12:commas,";
  r.references = {"<a@x>", "<b@y>"};
  auto back = decode_request(encode_request(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->subject, r.subject);
  EXPECT_EQ(back->body, r.body);
  EXPECT_EQ(back->references, r.references);
  EXPECT_FALSE(decode_request("e1;3:abc"));
  EXPECT_FALSE(decode_request("x" + encode_request(r)));
  EXPECT_FALSE(decode_request(encode_request(r) + "junk"));
}

TEST(Conversations, RepliesFindTheirThreadAndUnknownThreadsStayTogether) {
  auto opened = store::SqliteStore::open(":memory:");
  ASSERT_TRUE(opened);
  Conversations c((*opened)->kv(), "mail");
  MailAddress bob{"bob", "example.net"};
  auto out = c.outbound("alice@example.org", bob, "", "<o1@example.org>");
  ASSERT_TRUE(out);
  ParsedMail reply;
  reply.message_id = "<r1@example.net>";
  reply.references = {"<unrelated@x>", "<o1@example.org>"};
  EXPECT_EQ(c.inbound("alice@example.org", bob, reply).value(), out->thread);

  ParsedMail foreign1, foreign2;
  foreign1.message_id = "<f2@x>";
  foreign1.references = {"<root@x>", "<f1@x>"};
  foreign2.message_id = "<f3@x>";
  foreign2.references = {"<root@x>", "<gone@x>"};
  EXPECT_EQ(c.inbound("alice@example.org", bob, foreign1).value(), derived_thread_id("<root@x>"));
  EXPECT_EQ(c.inbound("alice@example.org", bob, foreign2).value(), derived_thread_id("<root@x>"));

  // The newest thread is the conversation's: the next chat line continues it.
  auto next = c.outbound("alice@example.org", bob, "", "<o2@example.org>");
  EXPECT_EQ(next->thread, derived_thread_id("<root@x>"));
  EXPECT_EQ(next->in_reply_to, "<f3@x>");
}

TEST(RateLimiter, RefillsOverAMinute) {
  RateLimiter limiter(2);
  auto t = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_TRUE(limiter.allow("a", t));
  EXPECT_FALSE(limiter.allow("a", t));
  EXPECT_TRUE(limiter.allow("b", t));
  EXPECT_TRUE(limiter.allow("a", t + std::chrono::seconds(31)));
  EXPECT_FALSE(limiter.allow("a", t + std::chrono::seconds(32)));
}

TEST(Attachments, NamesAreSafe) {
  EXPECT_EQ(safe_filename("../../etc/passwd"), "passwd");
  EXPECT_EQ(safe_filename("C:\\x\\report.pdf"), "report.pdf");
  EXPECT_EQ(safe_filename("a\r\nb\".txt"), "ab.txt");
  EXPECT_EQ(safe_filename(""), "attachment");
  EXPECT_EQ(content_disposition("résumé.pdf"), "attachment; filename=\"r__sum__.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf");
}

TEST(Attachments, ExpireAndArePruned) {
  auto opened = store::SqliteStore::open(":memory:");
  ASSERT_TRUE(opened);
  AttachmentStore store((*opened)->kv(), "mail");
  Attachment a{"x.txt", "text/html", 3, "abc", false};
  auto token = store.put(a, 1000);
  ASSERT_TRUE(token);
  auto got = store.get(*token, 999);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->bytes, "abc");
  EXPECT_EQ((*got)->content_type, "application/octet-stream");  // never rendered in our origin
  EXPECT_FALSE(*store.get(*token, 1000));
  EXPECT_EQ(store.prune(1000).value(), 1);
  EXPECT_FALSE(*store.get(*token, 0));
}

TEST(MailToXmpp, ListMailIsLabelledAndTextIsXmlSafe) {
  ParsedMail mail;
  mail.list = true;
  mail.list_id = "dev.example.org";
  mail.subject = "bad \x01 byte";
  mail.text = "hello\n";
  ChatMapping mapping{"bob\\40example.net@mail.example.org", "alice@example.org", "t1", QuotedTail::keep,
                      {{"big.iso", "application/octet-stream", 3u * 1024 * 1024, ""}}};
  auto m = mail_to_chat(mail, mapping);
  EXPECT_EQ(m.child_text("body"), "[list dev.example.org] hello\n[attachment big.iso (3.0 MB) not kept: too large]");
  EXPECT_EQ(m.child_text("thread"), "t1");
  EXPECT_EQ(m.child_text("subject").find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace junction::email
