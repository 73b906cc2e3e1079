#include "gateways/sms/codec.hpp"
#include "gateways/sms/crypto.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

TEST(Codec, UrlAndFormEncoding) {
  EXPECT_EQ(url_encode("a b+c/é~"), "a%20b%2Bc%2F%C3%A9~");
  EXPECT_EQ(form_encode({{"To", "+1 555"}, {"Body", "a&b=c"}}), "To=%2B1+555&Body=a%26b%3Dc");
}

TEST(Codec, ParseFormKeepsOrderAndRepeats) {
  auto p = parse_form("a=1&b=x+y%21&a=2&flag&&bad=%zz&end=%4");
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(p[1].second, "x y!");
  EXPECT_EQ(p[2].second, "2");
  EXPECT_EQ(p[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(p[4].second, "%zz");
  EXPECT_EQ(p[5].second, "%4");
  EXPECT_EQ(param(p, "a"), "1");
  EXPECT_EQ(param(p, "missing"), "");
  EXPECT_TRUE(has_param(p, "flag"));
}

TEST(Codec, Base64RoundTripAndRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYmE=").value(), "fooba");
  EXPECT_EQ(base64_decode("Zg==").value(), "f");
  EXPECT_FALSE(base64_decode("Zg=").has_value());
  EXPECT_FALSE(base64_decode("Z===").has_value());
  EXPECT_FALSE(base64_decode("Zg=a").has_value());
  EXPECT_FALSE(base64_decode("Zm9v\n").has_value());
}

TEST(Crypto, DigestsAndHmacMatchKnownVectors) {
  EXPECT_EQ(hex_encode(digest(Digest::md5, "")), "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 2202 test case 2.
  EXPECT_EQ(hex_encode(hmac(Digest::sha1, "Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(hmac(Digest::sha256, "Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace junction::sms
