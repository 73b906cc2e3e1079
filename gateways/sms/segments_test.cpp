#include "gateways/sms/segments.hpp"

#include <gtest/gtest.h>

#include <string>

namespace junction::sms {
namespace {

std::string repeat(std::string_view piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

TEST(Segments, EmptyTextIsNoSegment) {
  auto info = count_segments("");
  EXPECT_EQ(info.encoding, Encoding::gsm7);
  EXPECT_EQ(info.segments, 0u);
  EXPECT_EQ(info.units, 0u);
}

TEST(Segments, PureGsm7FitsOneSegmentUpTo160) {
  auto info = count_segments(repeat("a", 160));
  EXPECT_EQ(info.encoding, Encoding::gsm7);
  EXPECT_EQ(info.segments, 1u);
  EXPECT_EQ(info.units, 160u);
}

TEST(Segments, Gsm7Over160UsesPartsOf153) {
  EXPECT_EQ(count_segments(repeat("a", 161)).segments, 2u);
  EXPECT_EQ(count_segments(repeat("a", 306)).segments, 2u);
  EXPECT_EQ(count_segments(repeat("a", 307)).segments, 3u);
}

TEST(Segments, BasicTableNonAsciiStaysGsm7) {
  auto info = count_segments("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n");
  EXPECT_EQ(info.encoding, Encoding::gsm7);
  EXPECT_EQ(info.units, 44u);  // 42 letters and symbols, CR, LF
}

TEST(Segments, ExtensionCharactersCostTwoSeptets) {
  auto info = count_segments("^{}\\[~]|€");
  EXPECT_EQ(info.encoding, Encoding::gsm7);
  EXPECT_EQ(info.units, 18u);
  EXPECT_EQ(count_segments(repeat("€", 80)).segments, 1u);   // 160 septets
  EXPECT_EQ(count_segments(repeat("€", 81)).segments, 2u);   // 162 septets
  EXPECT_EQ(count_segments(repeat("a", 159) + "{").segments, 2u);
}

TEST(Segments, EscapeSequenceIsNotSplitAcrossParts) {
  // 306 septets would fill two parts exactly, but the '{' can't straddle the first boundary.
  auto text = repeat("a", 152) + "{" + repeat("a", 152);
  auto info = count_segments(text);
  EXPECT_EQ(info.units, 306u);
  EXPECT_EQ(info.segments, 3u);
}

TEST(Segments, CharactersOutsideTheAlphabetForceUcs2) {
  EXPECT_EQ(count_segments("`").encoding, Encoding::ucs2);
  EXPECT_EQ(count_segments("ç").encoding, Encoding::ucs2);
  EXPECT_EQ(count_segments("\t").encoding, Encoding::ucs2);
  EXPECT_EQ(count_segments("“quoted”").encoding, Encoding::ucs2);
  auto info = count_segments("привет");
  EXPECT_EQ(info.encoding, Encoding::ucs2);
  EXPECT_EQ(info.units, 6u);
}

TEST(Segments, Ucs2LimitsAre70And67) {
  EXPECT_EQ(count_segments(repeat("ж", 70)).segments, 1u);
  EXPECT_EQ(count_segments(repeat("ж", 71)).segments, 2u);
  EXPECT_EQ(count_segments(repeat("ж", 134)).segments, 2u);
  EXPECT_EQ(count_segments(repeat("ж", 135)).segments, 3u);
}

TEST(Segments, EmojiCountsTwoUnits) {
  auto info = count_segments("😀");
  EXPECT_EQ(info.encoding, Encoding::ucs2);
  EXPECT_EQ(info.units, 2u);
  EXPECT_EQ(count_segments(repeat("😀", 35)).segments, 1u);
  EXPECT_EQ(count_segments(repeat("😀", 36)).segments, 2u);
}

TEST(Segments, EmojiAtAPartBoundaryMovesToTheNextPart) {
  // 134 units would fill two parts, but the surrogate pair can't sit at units 67-68.
  auto text = repeat("ж", 66) + "😀" + repeat("ж", 66);
  auto info = count_segments(text);
  EXPECT_EQ(info.units, 134u);
  EXPECT_EQ(info.segments, 3u);
}

TEST(Segments, MalformedUtf8CountsAsReplacementCharacter) {
  auto info = count_segments(std::string("ab\xff", 3));
  EXPECT_EQ(info.encoding, Encoding::ucs2);
  EXPECT_EQ(info.units, 3u);
  EXPECT_EQ(count_segments(std::string("\xc0\xaf", 2)).encoding, Encoding::ucs2);  // overlong '/'
  EXPECT_EQ(count_segments(std::string("\xe2\x82", 2)).units, 2u);                 // truncated '€'
}

TEST(Segments, Gsm7SeptetsPerCodePoint) {
  EXPECT_EQ(gsm7_septets(U'A'), 1);
  EXPECT_EQ(gsm7_septets(U'€'), 2);
  EXPECT_EQ(gsm7_septets(U'\f'), 2);
  EXPECT_EQ(gsm7_septets(U'`'), 0);
  EXPECT_EQ(gsm7_septets(U'😀'), 0);
}

}  // namespace
}  // namespace junction::sms
