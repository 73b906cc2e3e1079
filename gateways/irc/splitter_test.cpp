#include "splitter.hpp"

#include "encoding.hpp"
#include "irc_message.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

using Lines = std::vector<std::string>;

TEST(Splitter, NewlinesMakeSeparateMessages) {
  EXPECT_EQ(split_message("a\nb\r\nc\rd", 100), (Lines{"a", "b", "c", "d"}));
  EXPECT_EQ(split_message("\n\na\r\n\r\n\rb\n", 100), (Lines{"a", "b"}));
  EXPECT_EQ(split_message("", 100), Lines{});
  EXPECT_EQ(split_message(std::string("n\0u\0l", 5), 100), Lines{"nul"});
  EXPECT_EQ(split_message(std::string("\0\n\0", 3), 100), Lines{});
}

TEST(Splitter, InjectedCommandStaysText) {
  auto pieces = split_message("hi\r\nQUIT :bye", 400);
  ASSERT_EQ(pieces, (Lines{"hi", "QUIT :bye"}));
  for (const auto& text : pieces) {
    auto wire = make_message("PRIVMSG", {"#chan", text}).serialize();
    ASSERT_TRUE(wire);
    EXPECT_EQ(wire->find_first_of("\r\n"), std::string::npos);
    auto back = parse(*wire);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->command, "PRIVMSG");
    EXPECT_EQ(back->params, (Lines{"#chan", text}));
  }
}

TEST(Splitter, PayloadLimitFillsExactly512) {
  SourceLengths src{5, 6, 20};
  std::size_t limit = payload_limit(src, "PRIVMSG", "#chan");
  std::string prefix = std::string(5, 'n') + "!" + std::string(6, 'u') + "@" + std::string(20, 'h');
  std::string line = ":" + prefix + " PRIVMSG #chan :" + std::string(limit, 'x') + "\r\n";
  EXPECT_EQ(line.size(), 512u);
  EXPECT_EQ(payload_limit(src, "PRIVMSG", "#chan", 9), limit - 9);
  EXPECT_EQ(payload_limit({200, 200, 200}, "PRIVMSG", "#c"), 0u);
  auto assumed = assumed_source(30);
  EXPECT_EQ(payload_limit(assumed, "PRIVMSG", "#chan"), 512u - (1 + 30 + 1 + 10 + 1 + 63 + 1 + 7 + 1 + 5 + 2 + 2));
}

TEST(Splitter, ExactLimitIsOnePiece) {
  std::string body(100, 'a');
  EXPECT_EQ(split_message(body, 100), Lines{body});
  auto pieces = split_message(body + "b", 100);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], body);
  EXPECT_EQ(pieces[1], "b");
}

TEST(Splitter, PrefersASpaceNearTheEnd) {
  std::string body = std::string(90, 'a') + " " + std::string(20, 'b');
  auto pieces = split_message(body, 100);
  EXPECT_EQ(pieces, (Lines{std::string(90, 'a'), std::string(20, 'b')}));
  // A space further back than the window is ignored: a hard cut wastes less room.
  body = std::string(10, 'a') + " " + std::string(200, 'b');
  pieces = split_message(body, 100);
  EXPECT_EQ(pieces[0].size(), 100u);
}

TEST(Splitter, NeverCutsInsideACodePoint) {
  std::string euro = "\xe2\x82\xac";
  std::string body;
  for (int i = 0; i < 50; ++i) body += euro;
  auto pieces = split_message(body, 100);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].size(), 99u);
  for (const auto& p : pieces) EXPECT_TRUE(is_valid_utf8(p));
}

TEST(Splitter, EmojiAndJoinedSequencesStayWhole) {
  std::string grin = "\xf0\x9f\x98\x80";
  std::string body = "x" + grin + grin;
  auto pieces = split_message(body, 8);
  EXPECT_EQ(pieces, (Lines{"x" + grin, grin}));
  // Woman + ZWJ + laptop: the cut goes before the whole sequence, not after the joiner.
  std::string family = "\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb";
  body = std::string(10, 'a') + family;
  pieces = split_message(body, 16);
  EXPECT_EQ(pieces, (Lines{std::string(10, 'a'), family}));
  // e + combining acute keeps its accent.
  body = std::string(9, 'a') + "e\xcc\x81";
  pieces = split_message(body, 10);
  EXPECT_EQ(pieces, (Lines{std::string(9, 'a'), "e\xcc\x81"}));
}

TEST(Splitter, LongBodiesFitAndLoseNothing) {
  std::string body;
  const std::string words[] = {"hello ", "w\xc3\xb6rld ", "\xf0\x9f\x8e\x89 ", "\xe6\x97\xa5\xe6\x9c\xac "};
  for (int i = 0; body.size() < 6000; ++i) body += words[i % 4];
  body.pop_back();
  std::size_t limit = payload_limit(assumed_source(30), "PRIVMSG", "#somechannel");
  auto pieces = split_message(body, limit);
  EXPECT_GT(pieces.size(), 10u);
  std::string rejoined;
  for (const auto& p : pieces) {
    EXPECT_LE(p.size(), limit);
    EXPECT_FALSE(p.empty());
    EXPECT_TRUE(is_valid_utf8(p));
    rejoined += (rejoined.empty() ? "" : " ") + p;
  }
  EXPECT_TRUE(rejoined == body);
}

TEST(Splitter, TwoThousandCharacters) {
  std::string body;
  for (int i = 0; i < 2000; ++i) body += (i % 3 == 0) ? "\xc3\xa9" : "z";
  auto pieces = split_message(body, 400);
  std::string rejoined;
  for (const auto& p : pieces) {
    EXPECT_LE(p.size(), 400u);
    EXPECT_TRUE(is_valid_utf8(p));
    rejoined += p;
  }
  EXPECT_TRUE(rejoined == body);
}

TEST(Splitter, TinyLimitStillMakesProgress) {
  auto pieces = split_message("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 1);
  EXPECT_EQ(pieces.size(), 2u);
  pieces = split_message(std::string(10, '\x80'), 4);  // not UTF-8 at all
  std::string rejoined;
  for (const auto& p : pieces) rejoined += p;
  EXPECT_EQ(rejoined, std::string(10, '\x80'));
}

TEST(Splitter, LegacyEncodingCountsOneBytePerCharacter) {
  // 300 "é": 600 bytes in UTF-8 but 300 in latin-1, so one piece fits a 400-byte limit.
  std::string body;
  for (int i = 0; i < 300; ++i) body += "é";
  EXPECT_EQ(split_message(body, 400).size(), 2u) << "UTF-8 counts two bytes each";
  auto pieces = split_message(body, 400, OutEncoding::latin1);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], body) << "pieces stay UTF-8; the link transcodes them";
}

TEST(Splitter, LegacyPiecesFillTheLimitOnTheWire) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += i % 7 == 0 ? "€" : "ü";
  auto pieces = split_message(body, 100, OutEncoding::cp1252);
  std::string joined;
  for (const auto& p : pieces) {
    EXPECT_LE(encode_out(p, OutEncoding::cp1252).size(), 100u);
    EXPECT_TRUE(is_valid_utf8(p));
    joined += p;
  }
  EXPECT_EQ(pieces.size(), 10u);
  EXPECT_EQ(joined, body);
  // Characters latin-1 lacks still count as one byte: the '?' they become.
  auto emoji = split_message("😀😀😀😀😀😀😀😀😀😀", 4, OutEncoding::latin1);
  EXPECT_EQ(emoji.size(), 3u);
}

}  // namespace
}  // namespace junction::irc
