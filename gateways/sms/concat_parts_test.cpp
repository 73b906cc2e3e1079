#include "gateways/sms/concat_parts.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

StoredPart part(int n, int total, std::string body) {
  return StoredPart{
      n,       total, "ID" + std::to_string(n), std::move(body), "alice@example.org", "+15557654321@sms.example.org",
      1000 + n};
}

TEST(ConcatParts, WholeTextInOrderWhateverTheArrival) {
  auto text = assemble_parts({part(3, 3, "c."), part(1, 3, "a "), part(2, 3, "b "), part(3, 3, "c.")});
  EXPECT_TRUE(text.complete);
  EXPECT_EQ(text.body, "a b c.");
  EXPECT_EQ(text.key, "ID1:3");
}

TEST(ConcatParts, MissingPartsAreMarkedAndNamed) {
  auto text = assemble_parts({part(1, 4, "one "), part(4, 4, "four")});
  EXPECT_FALSE(text.complete);
  EXPECT_EQ(text.body, "one […][…]four\n(incomplete: parts 2, 3 of 4 never arrived)");
  // Delivered incomplete, then complete: two keys, so the whole text isn't swallowed.
  EXPECT_NE(text.key, assemble_parts({part(1, 4, ""), part(2, 4, ""), part(3, 4, ""), part(4, 4, "")}).key);
}

TEST(ConcatParts, StoredFormRoundTrips) {
  auto original = part(2, 5, "héllo | \"quoted\"");
  auto back = decode_part(encode_part(original));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->part, 2);
  EXPECT_EQ(back->total, 5);
  EXPECT_EQ(back->provider_id, "ID2");
  EXPECT_EQ(back->body, original.body);
  EXPECT_EQ(back->owner, "alice@example.org");
  EXPECT_EQ(back->contact, "+15557654321@sms.example.org");
  EXPECT_EQ(back->received_ms, 1002);
  EXPECT_FALSE(decode_part("not json"));
}

TEST(ConcatParts, GroupsKeepTheSenderNumberAndCount) {
  EXPECT_NE(concat_group("+1555", "+1666", "7", 2), concat_group("+1555", "+1777", "7", 2));
  EXPECT_NE(concat_group("+1555", "+1666", "7", 2), concat_group("+1555", "+1666", "7", 3));
}

}  // namespace
}  // namespace junction::sms
