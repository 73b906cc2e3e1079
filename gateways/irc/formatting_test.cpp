#include "formatting.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(Formatting, StripsEveryCode) {
  EXPECT_EQ(strip_formatting("\x02" "bold\x02 \x1Dit\x1D \x1Fu\x1F \x1Es\x1E \x11m\x11 \x16r\x16 \x0F" "end"),
            "bold it u s m r end");
  EXPECT_EQ(strip_formatting("\x03" "4red\x03 \x03" "4,12both\x03 \x03" "04,1x"), "red both x");
  // Only two digits belong to the colour; a comma without a digit is text.
  EXPECT_EQ(strip_formatting("\x03" "123"), "3");
  EXPECT_EQ(strip_formatting("\x03" "4,"), ",");
  EXPECT_EQ(strip_formatting("\x03" ",5"), ",5");
  EXPECT_EQ(strip_formatting("\x04" "FF0000red\x04" "00ff00,000000x\x04" "abc"), "redxabc");
  EXPECT_EQ(strip_formatting("plain"), "plain");
}

TEST(Formatting, MapsToXep0393) {
  EXPECT_EQ(irc_to_styling("\x02" "bold\x02 text"), "*bold* text");
  EXPECT_EQ(irc_to_styling("\x1Ditalic\x1D"), "_italic_");
  EXPECT_EQ(irc_to_styling("\x1Estruck\x0F"), "~struck~");
  EXPECT_EQ(irc_to_styling("run \x11" "code\x11"), "run `code`");
  // Unterminated styles close at the end of the message.
  EXPECT_EQ(irc_to_styling("\x02" "loud"), "*loud*");
  EXPECT_EQ(irc_to_styling("\x1Funderlined\x1F and \x03" "4red"), "underlined and red");
}

TEST(Formatting, DirectivesHugTheText) {
  EXPECT_EQ(irc_to_styling("\x02 spaced \x02x"), " *spaced* x");
  EXPECT_EQ(irc_to_styling("a\x02   \x02" "b"), "a   b");
  EXPECT_EQ(irc_to_styling("\x02\x02"), "");
}

TEST(Formatting, OverlappingStylesNest) {
  // bold on, italic on, bold off, italic off.
  EXPECT_EQ(irc_to_styling("\x02" "a\x1D" "b\x02" "c\x1D"), "*a_b_*_c_");
  EXPECT_EQ(irc_to_styling("\x02\x1D" "both\x0F" " none"), "*_both_* none");
  // Monospace stays innermost so clients still parse the outer spans.
  EXPECT_EQ(irc_to_styling("\x11" "m\x02" "mb\x02\x11"), "`m`*`mb`*");
}

TEST(Formatting, StylingToIrc) {
  EXPECT_EQ(styling_to_irc("*bold* and _it_"), "\x02" "bold\x02 and \x1Dit\x1D");
  EXPECT_EQ(styling_to_irc("~gone~ `co*de*`"), "\x1Egone\x1E \x11" "co*de*\x11");
  EXPECT_EQ(styling_to_irc("*_both_*"), "\x02\x1D" "both\x1D\x02");
  EXPECT_EQ(styling_to_irc("2 * 3 * 4"), "2 * 3 * 4");
  EXPECT_EQ(styling_to_irc("snake_case_name"), "snake_case_name");
  EXPECT_EQ(styling_to_irc("**"), "**");
  EXPECT_EQ(styling_to_irc("*not closed"), "*not closed");
  EXPECT_EQ(styling_to_irc("*a\nb*"), "*a\nb*");
  EXPECT_EQ(styling_to_irc("```\n*raw*\n```\n*x*"), "```\n*raw*\n```\n\x02x\x02");
}

TEST(Formatting, RoundTrip) {
  std::string irc = "\x02" "hello\x02 \x1Dworld\x1D";
  EXPECT_EQ(styling_to_irc(irc_to_styling(irc)), irc);
}

}  // namespace
}  // namespace junction::irc
