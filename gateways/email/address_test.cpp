#include "address.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

TEST(Address, ParsesAndKeepsCase) {
  auto a = parse_address("Bob.Smith@Example.COM");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->local, "Bob.Smith");
  EXPECT_EQ(a->domain, "Example.COM");
  EXPECT_EQ(a->str(), "Bob.Smith@Example.COM");
  EXPECT_EQ(a->key(), "Bob.Smith@example.com");
}

TEST(Address, NodeRoundTripKeepsCase) {
  auto a = parse_address("Bob@Example.com");
  ASSERT_TRUE(a);
  EXPECT_EQ(address_to_node(*a), "Bob\\40Example.com");
  auto back = address_from_node("Bob\\40Example.com");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, *a);
}

TEST(Address, EscapesXep0106Characters) {
  auto a = parse_address("o'brien/x&y@example.com");
  ASSERT_TRUE(a) << a.error().message;
  std::string node = address_to_node(*a);
  EXPECT_EQ(node, "o\\27brien\\2fx\\26y\\40example.com");
  auto back = address_from_node(node);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->str(), "o'brien/x&y@example.com");
}

TEST(Address, AcceptsPercentForm) {
  auto a = address_from_node("bob%example.com");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(a->str(), "bob@example.com");
  // Only the last '%' is the separator; an earlier one belongs to the local part.
  auto b = address_from_node("a%b%example.com");
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->local, "a%b");
  EXPECT_EQ(b->domain, "example.com");
}

TEST(Address, NodeWithoutAddressIsRefused) {
  EXPECT_FALSE(address_from_node("bob"));
  EXPECT_FALSE(address_from_node("bob\\40"));
  EXPECT_FALSE(address_from_node("bob\\20evil\\40example.com"));
}

TEST(Address, UnicodeAddressRoundTrips) {
  auto a = parse_address("jörg@bücher.example");
  ASSERT_TRUE(a) << a.error().message;
  auto back = address_from_node(address_to_node(*a));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *a);
}

TEST(Address, RefusesInvalidForms) {
  const char* bad[] = {
      "",
      "bob",
      "@example.com",
      "bob@",
      "bob@@example.com",
      "bob smith@example.com",
      "bob@exa mple.com",
      "bob\r\n@example.com",
      "bob@example.com\r\nBcc: x@y",
      "<bob@example.com>",
      "\"bob smith\"@example.com",
      "bob@[127.0.0.1]",
      ".bob@example.com",
      "bob.@example.com",
      "bo..b@example.com",
      "bob@-example.com",
      "bob@example..com",
      "bob@example.com.",
      "bob(comment)@example.com",
      "b\xff@example.com",
  };
  for (const char* s : bad) EXPECT_FALSE(parse_address(s)) << s;
  EXPECT_FALSE(parse_address(std::string("bo\0b@example.com", 16)));
}

TEST(Address, EnforcesRfc5321Lengths) {
  std::string local64(64, 'a');
  EXPECT_TRUE(parse_address(local64 + "@example.com"));
  EXPECT_FALSE(parse_address(local64 + "a@example.com"));
  std::string label(63, 'd');
  std::string domain = label + "." + label + "." + label + ".com";  // 195 bytes
  std::string ok = std::string(58, 'x') + "@" + domain;               // 254 bytes
  EXPECT_EQ(ok.size(), 254u);
  EXPECT_TRUE(parse_address(ok));
  EXPECT_FALSE(parse_address("y" + ok));
  EXPECT_FALSE(parse_address("a@" + std::string(64, 'd') + ".com"));
}

TEST(Address, SameMailboxIgnoresDomainCaseOnly) {
  auto a = parse_address("Bob@EXAMPLE.com");
  auto b = parse_address("Bob@example.COM");
  auto c = parse_address("bob@example.com");
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(same_mailbox(*a, *b));
  EXPECT_FALSE(same_mailbox(*a, *c));
}

}  // namespace
}  // namespace junction::email
