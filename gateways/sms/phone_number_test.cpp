#include "gateways/sms/phone_number.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

std::string ok(std::string_view typed, std::string_view country) {
  auto r = normalize_number(typed, country);
  EXPECT_TRUE(r.has_value()) << typed << ": " << (r ? "" : r.error().message);
  return r.value_or("");
}

std::string error(std::string_view typed, std::string_view country) {
  auto r = normalize_number(typed, country);
  EXPECT_FALSE(r.has_value()) << typed << " gave " << r.value_or("");
  return r ? "" : r.error().message;
}

TEST(PhoneNumber, UsNumbersTypedNationally) {
  EXPECT_EQ(ok("(555) 123-4567", "US"), "+15551234567");
  EXPECT_EQ(ok("202-555-0143", "US"), "+12025550143");
  EXPECT_EQ(ok("1 (202) 555-0143", "US"), "+12025550143");
  EXPECT_EQ(ok("  2025550143 ", "us"), "+12025550143");
  EXPECT_EQ(ok("1-800-FLOWERS", "US"), "+18003569377");
}

TEST(PhoneNumber, GbAndDeNumbers) {
  EXPECT_EQ(ok("020 7946 0018", "GB"), "+442079460018");
  EXPECT_EQ(ok("07700 900123", "GB"), "+447700900123");
  EXPECT_EQ(ok("030 901820", "DE"), "+4930901820");
  EXPECT_EQ(ok("0151 23456789", "DE"), "+4915123456789");
}

TEST(PhoneNumber, InternationalFormIgnoresTheDefaultCountry) {
  EXPECT_EQ(ok("+44 20 7946 0018", "US"), "+442079460018");
  EXPECT_EQ(ok("+49 (30) 901820", "GB"), "+4930901820");
  EXPECT_EQ(ok("+15551234567", "XX"), "+15551234567");
  EXPECT_EQ(ok("011 44 20 7946 0018", "US"), "+442079460018");  // US international prefix
}

TEST(PhoneNumber, ShortCodesStayDigits) {
  EXPECT_EQ(ok("88022", "US"), "88022");
  EXPECT_EQ(ok("12345", "US"), "12345");
  EXPECT_EQ(ok("85075", "GB"), "85075");
}

TEST(PhoneNumber, ClearErrors) {
  EXPECT_EQ(error("555", "US"), "\"555\" is not a valid phone number for US");
  EXPECT_EQ(error("1234", "DE"), "\"1234\" is not a valid phone number for DE");
  EXPECT_EQ(error("junk", "US"), "\"junk\" is not a phone number");
  EXPECT_EQ(error("", "US"), "an empty phone number");
  EXPECT_EQ(error("+1 555", "US"), "\"+1 555\" is too short for a phone number of its country");
  EXPECT_EQ(error("+999 1234567", "US"), "\"+999 1234567\" does not start with a known country code");
  EXPECT_EQ(error("5551234567", "XX"), "\"5551234567\" has no country code and \"XX\" is not a known country");
  EXPECT_NE(error("911", "US").find("emergency"), std::string::npos);
  EXPECT_NE(error("+1 555 123 4567 8901 2345", "US").find("too long"), std::string::npos);
}

TEST(PhoneNumber, KnownCountries) {
  EXPECT_TRUE(is_known_country("US"));
  EXPECT_TRUE(is_known_country("de"));
  EXPECT_FALSE(is_known_country("XX"));
  EXPECT_FALSE(is_known_country(""));
}

TEST(PhoneNumber, CanonicalNodes) {
  EXPECT_TRUE(is_canonical_node("+15551234567"));
  EXPECT_TRUE(is_canonical_node("12345"));
  EXPECT_TRUE(is_canonical_node("911"));
  EXPECT_FALSE(is_canonical_node("+0123456789"));
  EXPECT_FALSE(is_canonical_node("+1234567890123456"));
  EXPECT_FALSE(is_canonical_node("12"));
  EXPECT_FALSE(is_canonical_node("123456789"));
  EXPECT_FALSE(is_canonical_node("+1 555"));
  EXPECT_FALSE(is_canonical_node(""));
}

TEST(PhoneNumber, NodesToNumbersAndBack) {
  EXPECT_EQ(number_from_node("+15551234567", "US").value(), "+15551234567");
  EXPECT_EQ(number_from_node("12345", "US").value(), "12345");
  EXPECT_EQ(number_from_node("5551234567", "US").value(), "+15551234567");
  EXPECT_EQ(number_from_node("02079460018", "GB").value(), "+442079460018");
  EXPECT_FALSE(number_from_node("alice", "US").has_value());
  EXPECT_EQ(node_from_number("+15551234567"), "+15551234567");
  EXPECT_EQ(node_from_number("12345"), "12345");
}

TEST(PhoneNumber, DisplayForm) {
  EXPECT_EQ(display_number("+442079460018"), "+44 20 7946 0018");
  EXPECT_EQ(display_number("+12025550143"), "+1 202-555-0143");
  EXPECT_EQ(display_number("12345"), "12345");
}

TEST(PhoneNumber, AlphanumericSenders) {
  EXPECT_TRUE(is_alphanumeric_sender("ACME"));
  EXPECT_TRUE(is_alphanumeric_sender("Bank-Alerts"));
  EXPECT_TRUE(is_alphanumeric_sender("My Shop 24"));
  EXPECT_FALSE(is_alphanumeric_sender("+15551234567"));
  EXPECT_FALSE(is_alphanumeric_sender("12345"));
  // Read as a vanity number it would be a plausible US number: it must not be taken for one.
  EXPECT_TRUE(is_alphanumeric_sender("BANKALERTS"));
}

}  // namespace
}  // namespace junction::sms
