#include "hygiene.hpp"

#include "dsn.hpp"
#include "header_fields.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

Hygiene classify(std::string_view headers) {
  auto groups = parse_field_groups(headers);
  return classify_headers(groups.empty() ? FieldGroup{} : groups.front());
}

TEST(Hygiene, AutoSubmitted) {
  EXPECT_FALSE(classify("Auto-Submitted: no\n").auto_submitted);
  EXPECT_FALSE(classify("Auto-Submitted: No (comment)\n").auto_submitted);
  EXPECT_TRUE(classify("Auto-Submitted: auto-replied\n").auto_submitted);
  EXPECT_TRUE(classify("auto-submitted: auto-generated; owner-email=\"x@y\"\n").auto_submitted);
  EXPECT_TRUE(classify("X-Autoreply: yes\n").auto_submitted);
  EXPECT_TRUE(classify("Precedence: auto_reply\n").auto_submitted);
  EXPECT_FALSE(classify("Subject: hello\n").auto_submitted);
}

TEST(Hygiene, Lists) {
  Hygiene h = classify("List-Id: Devs <dev.example.com>\n");
  EXPECT_TRUE(h.list);
  EXPECT_EQ(h.list_id, "Devs <dev.example.com>");
  EXPECT_TRUE(classify("List-Unsubscribe: <mailto:x@y>\n").list);
  for (auto p : {"list", "bulk", "junk", "Bulk"}) EXPECT_TRUE(classify(std::string("Precedence: ") + p + "\n").list) << p;
  EXPECT_FALSE(classify("Precedence: first-class\n").list);
}

TEST(HeaderFields, UnfoldsAndGroups) {
  auto groups = parse_field_groups("A: 1\r\nB: two\r\n  lines\r\n\r\n\r\nC:3\r\nnot a field\r\n");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(find_field(groups[0], "b"), "two lines");
  EXPECT_EQ(find_field(groups[1], "C"), "3");
  EXPECT_FALSE(find_field(groups[1], "A"));
}

TEST(Dsn, SeveralRecipients) {
  DeliveryReport r = parse_delivery_status(
      "Reporting-MTA: dns; mx.example.org\n\n"
      "Final-Recipient: rfc822; <ok@example.com>\nAction: delivered\nStatus: 2.0.0\n\n"
      "Original-Recipient: rfc822; bad@example.com\nAction: Failed\nStatus: 5.2.2 (mailbox full)\n"
      "Diagnostic-Code: smtp; 552 5.2.2 Over quota\n");
  ASSERT_EQ(r.recipients.size(), 2u);
  EXPECT_EQ(r.recipients[0].recipient, "ok@example.com");
  const DsnRecipient* f = r.first_failed();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->recipient, "bad@example.com");
  EXPECT_EQ(f->status, "5.2.2");
  EXPECT_EQ(f->diagnostic, "552 5.2.2 Over quota");
  EXPECT_EQ(message_id_from_headers("Subject: x\nMessage-Id:\n <a.b@c>\n"), "<a.b@c>");
  EXPECT_EQ(message_id_from_headers("Subject: x\n"), "");
}

}  // namespace
}  // namespace junction::email
