#include "sasl.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(Sasl, Base64Vectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe\x00"), "//4=");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Sasl, PlainMessage) {
  EXPECT_EQ(base64_encode(sasl_plain_message("", "jilles", "sesame")), "AGppbGxlcwBzZXNhbWU=");
  EXPECT_EQ(sasl_plain_message("z", "c", "p"), std::string("z\0c\0p", 5));
}

TEST(Sasl, ChunksAt400Bytes) {
  EXPECT_EQ(authenticate_chunks(""), std::vector<std::string>{"+"});
  EXPECT_EQ(authenticate_chunks("abc"), std::vector<std::string>{"abc"});
  auto exact = authenticate_chunks(std::string(400, 'A'));
  ASSERT_EQ(exact.size(), 2u);
  EXPECT_EQ(exact[0].size(), 400u);
  EXPECT_EQ(exact[1], "+");
  auto longer = authenticate_chunks(std::string(801, 'B'));
  ASSERT_EQ(longer.size(), 3u);
  EXPECT_EQ(longer[1].size(), 400u);
  EXPECT_EQ(longer[2], "B");
}

}  // namespace
}  // namespace junction::irc
