#include "reply_tail.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

TEST(ReplyTail, TrimsAttributionQuoteAndSignature) {
  std::string body =
      "Yes, noon works.\n\nOn Tue, 12 Mar 2024, Alice <alice@example.org> wrote:\n> Lunch?\n>\n> A.\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::trim), "Yes, noon works.\n");
  EXPECT_EQ(trim_reply_tail("Thanks!\n-- \nBob\nCEO\n", QuotedTail::trim), "Thanks!\n");
}

TEST(ReplyTail, KeepLeavesTextAlone) {
  std::string body = "Yes.\r\n> Lunch?\r\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::keep), "Yes.\n> Lunch?\n");
}

TEST(ReplyTail, InlineRepliesKeepInnerQuotes) {
  std::string body = "> Lunch?\nYes.\n> Where?\nThe usual.\n\n> See you\n> A.\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::trim), "> Lunch?\nYes.\n> Where?\nThe usual.\n");
}

TEST(ReplyTail, OutlookOriginalMessage) {
  std::string body = "Fine by me.\n\n-----Original Message-----\nFrom: Alice\nSent: Monday\n\nLunch?\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::trim), "Fine by me.\n");
  body = "Ok\n________________________________\nFrom: Alice\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::trim), "Ok\n");
}

TEST(ReplyTail, LocalizedAttribution) {
  EXPECT_EQ(trim_reply_tail("Gern.\nAm 12.03.2024 um 10:00 schrieb Alice:\n> Essen?\n", QuotedTail::trim), "Gern.\n");
  EXPECT_EQ(trim_reply_tail("Oui.\nLe mar. 12 mars 2024, Alice a écrit :\n> Déjeuner ?\n", QuotedTail::trim),
            "Oui.\n");
}

TEST(ReplyTail, OnlyQuoteIsKept) {
  std::string body = "> just a quote\n";
  EXPECT_EQ(trim_reply_tail(body, QuotedTail::trim), body);
}

TEST(ReplyTail, ParsesSetting) {
  EXPECT_EQ(parse_quoted_tail("keep"), QuotedTail::keep);
  EXPECT_EQ(parse_quoted_tail("trim"), QuotedTail::trim);
  EXPECT_FALSE(parse_quoted_tail("fold"));
}

}  // namespace
}  // namespace junction::email
