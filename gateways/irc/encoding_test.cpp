#include "encoding.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(Encoding, ValidUtf8PassesThrough) {
  std::string s = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac";
  EXPECT_TRUE(is_valid_utf8(s));
  EXPECT_EQ(to_utf8(s), s);
  EXPECT_EQ(to_utf8(s, Fallback::latin1), s);
}

TEST(Encoding, Latin1Fallback) {
  EXPECT_EQ(to_utf8("caf\xe9", Fallback::latin1), "caf\xc3\xa9");
  EXPECT_EQ(to_utf8("\xff", Fallback::latin1), "\xc3\xbf");
  // Latin-1 maps 0x80 to the C1 control U+0080, which XML 1.0 allows.
  EXPECT_EQ(to_utf8("\x80", Fallback::latin1), "\xc2\x80");
}

TEST(Encoding, Cp1252Fallback) {
  EXPECT_EQ(to_utf8("5 \x80"), "5 \xe2\x82\xac");
  EXPECT_EQ(to_utf8("caf\xe9", Fallback::cp1252), "caf\xc3\xa9");
  EXPECT_EQ(to_utf8("\x93quoted\x94"), "\xe2\x80\x9cquoted\xe2\x80\x9d");
  EXPECT_EQ(to_utf8("\x99"), "\xe2\x84\xa2");
  EXPECT_EQ(to_utf8("\x9f"), "\xc5\xb8");
  EXPECT_EQ(to_utf8("\x81"), "\xef\xbf\xbd");
}

TEST(Encoding, MixedLinesKeepTheirUtf8Parts) {
  EXPECT_EQ(to_utf8("\xc3\xa9t\xe9"), "\xc3\xa9t\xc3\xa9");
}

TEST(Encoding, InvalidSequencesAreDecodedBytewise) {
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xbf"));              // lone continuation
  EXPECT_EQ(to_utf8("\xc0\xaf", Fallback::latin1), "\xc3\x80\xc2\xaf");
  EXPECT_EQ(to_utf8("a\xe2\x82", Fallback::cp1252), "a\xc3\xa2\xe2\x80\x9a");
  std::string out = to_utf8("\xed\xa0\x80\xf5\xff");
  EXPECT_TRUE(is_valid_utf8(out));
}

TEST(Encoding, ControlCharactersAreRemoved) {
  EXPECT_EQ(to_utf8("a\x01" "b\x02" "c\x03" "d\x1f" "e\x7f"), "abcde\x7f");
  EXPECT_EQ(to_utf8(std::string("nul\0here", 8)), "nulhere");
  EXPECT_EQ(to_utf8("tab\tlf\ncr\r"), "tab\tlf\ncr\r");
  EXPECT_EQ(xml_safe("x\xef\xbf\xbfy\xef\xbf\xbe"), "x\xef\xbf\xbdy\xef\xbf\xbd");
  EXPECT_EQ(xml_safe("\xef\xbf\xbd"), "\xef\xbf\xbd");
}

TEST(Encoding, EveryByteDecodesToValidUtf8) {
  for (int b = 0; b < 256; ++b) {
    std::string raw(1, static_cast<char>(b));
    EXPECT_TRUE(is_valid_utf8(to_utf8(raw, Fallback::cp1252))) << b;
    EXPECT_TRUE(is_valid_utf8(to_utf8(raw, Fallback::latin1))) << b;
  }
}

TEST(Encoding, DecodeKeepsFormattingAndCtcpBytes) {
  // The connection decodes whole lines; stripping here would lose /me and bold before
  // ctcp.hpp and formatting.hpp ever saw them.
  EXPECT_EQ(decode("\x01" "ACTION caf\xe9\x01 \x02" "bold", Fallback::latin1),
            "\x01" "ACTION caf\xc3\xa9\x01 \x02" "bold");
  EXPECT_EQ(to_utf8("\x01" "ACTION x\x01"), "ACTION x");
}

TEST(Encoding, ParsesFallbackNames) {
  EXPECT_EQ(parse_fallback("CP1252"), Fallback::cp1252);
  EXPECT_EQ(parse_fallback("windows-1252"), Fallback::cp1252);
  EXPECT_EQ(parse_fallback("ISO-8859-1"), Fallback::latin1);
  EXPECT_EQ(parse_fallback("latin1"), Fallback::latin1);
  EXPECT_FALSE(parse_fallback("koi8-r"));
}

TEST(Encoding, ParsesOutgoingEncodingNames) {
  EXPECT_EQ(parse_out_encoding("UTF-8"), OutEncoding::utf8);
  EXPECT_EQ(parse_out_encoding("utf8"), OutEncoding::utf8);
  EXPECT_EQ(parse_out_encoding("Latin1"), OutEncoding::latin1);
  EXPECT_EQ(parse_out_encoding("iso-8859-1"), OutEncoding::latin1);
  EXPECT_EQ(parse_out_encoding("windows-1252"), OutEncoding::cp1252);
  EXPECT_FALSE(parse_out_encoding("koi8-r"));
}

TEST(Encoding, Utf8OutIsUnchanged) {
  EXPECT_EQ(encode_out("café € 😀", OutEncoding::utf8), "café € 😀");
  EXPECT_EQ(encoded_size("café", OutEncoding::utf8), 5u);
}

TEST(Encoding, Latin1OutReplacesWhatItLacks) {
  EXPECT_EQ(encode_out("café naïve ¿qué?", OutEncoding::latin1), "caf\xe9 na\xefve \xbfqu\xe9?");
  // The euro sign, CJK and emoji have no latin-1 byte: one '?' per character.
  EXPECT_EQ(encode_out("5 € 日本 😀!", OutEncoding::latin1), "5 ? ?? ?!");
  EXPECT_EQ(encoded_size("5 € 日本 😀!", OutEncoding::latin1), 9u);
}

TEST(Encoding, Cp1252OutUsesItsExtraCharacters) {
  EXPECT_EQ(encode_out("5 € “quoted” – ok", OutEncoding::cp1252), "5 \x80 \x93quoted\x94 \x96 ok");
  EXPECT_EQ(encode_out("é ÿ", OutEncoding::cp1252), "\xe9 \xff");
  EXPECT_EQ(encode_out("Ω", OutEncoding::cp1252), "?");
  // C1 controls are not what a cp1252 byte means: not representable.
  EXPECT_EQ(encode_out("\xc2\x81", OutEncoding::cp1252), "?");
}

TEST(Encoding, OutRoundTripsThroughTheIncomingDecoder) {
  const std::string text = "Grüße aus Köln, “bonjour” à tous";
  EXPECT_EQ(decode(encode_out(text, OutEncoding::cp1252), Fallback::cp1252), text);
  EXPECT_EQ(decode(encode_out("Grüße", OutEncoding::latin1), Fallback::latin1), "Grüße");
}

}  // namespace
}  // namespace junction::irc
