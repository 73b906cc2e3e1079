#include "charset.hpp"

#include "quoted_printable.hpp"
#include "smtp_command.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

TEST(Charset, CommonLabels) {
  EXPECT_EQ(to_utf8("caf\xe9", "ISO-8859-1"), "café");
  EXPECT_EQ(to_utf8("\x80 \x93q\x94", "iso-8859-1"), "€ “q”");  // labelled latin-1, really cp1252
  EXPECT_EQ(to_utf8("caf\xc3\xa9", "us-ascii"), "café");       // mislabelled UTF-8
  EXPECT_EQ(to_utf8("caf\xe9", ""), "café");
  EXPECT_EQ(to_utf8("\xa4", "iso-8859-15"), "€");
  EXPECT_EQ(to_utf8("\xd0\xd2\xc9\xd7\xc5\xd4", "KOI8-R"), "привет");
  EXPECT_EQ(to_utf8("caf\xe9", "x-no-such-charset"), "café");
  EXPECT_EQ(to_utf8("a\xff", "utf-8"), "a\xEF\xBF\xBD");
}

TEST(QuotedPrintable, EncodesAndWraps) {
  EXPECT_EQ(encode_quoted_printable("a=b é\r\nend \r\n.dot\r\nFrom me"), "a=3Db =C3=A9\r\nend=20\r\n=2Edot\r\n=46rom me");
  std::string wrapped = encode_quoted_printable(std::string(100, 'x'));
  EXPECT_EQ(wrapped, std::string(75, 'x') + "=\r\n" + std::string(25, 'x'));
  EXPECT_EQ(normalize_line_endings(std::string("a\rb\nc\r\n\0", 8)), "a\r\nb\r\nc\r\n");
  EXPECT_TRUE(fits_7bit("short\r\nlines\r\n", 78));
  EXPECT_FALSE(fits_7bit("tab\tok but \x01 not", 78));
  EXPECT_FALSE(fits_7bit(std::string(79, 'x'), 78));
}

TEST(SmtpCommand, PathArguments) {
  auto cmd = split_command("mail   FROM:<a@b.c> SIZE=10 body=8BITMIME");
  EXPECT_EQ(cmd.verb, "MAIL");
  auto path = parse_path_argument(cmd.argument, "FROM");
  ASSERT_TRUE(path);
  EXPECT_EQ(path->address, "a@b.c");
  ASSERT_EQ(path->parameters.size(), 2u);
  EXPECT_EQ(path->parameters[1].first, "BODY");
  EXPECT_EQ(path->parameters[1].second, "8BITMIME");
  EXPECT_EQ(parse_path_argument("TO:<@relay.example,@r2:x@y.z>", "TO")->address, "x@y.z");
  EXPECT_EQ(parse_path_argument("TO:bare@y.z", "TO")->address, "bare@y.z");
  EXPECT_EQ(parse_path_argument("FROM:<>", "FROM")->address, "");
  EXPECT_FALSE(parse_path_argument("TO:<a b@c>", "TO"));
  EXPECT_FALSE(parse_path_argument("TO:<a@b", "TO"));
  EXPECT_FALSE(parse_path_argument("TO:<a@b>x", "TO"));
  EXPECT_FALSE(parse_path_argument("FROM <a@b>", "FROM"));
}

}  // namespace
}  // namespace junction::email
