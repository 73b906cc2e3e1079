#include "line_framer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace junction::irc {
namespace {

std::vector<FramedLine> feed_all(LineFramer& f, std::string_view data) {
  std::vector<FramedLine> out;
  f.feed(data, [&](FramedLine&& l) { out.push_back(std::move(l)); });
  return out;
}

TEST(LineFramer, SplitsOnLfAndStripsCr) {
  LineFramer f;
  auto lines = feed_all(f, "PING a\r\nPING b\nPING c\r\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].bytes, "PING a");
  EXPECT_EQ(lines[1].bytes, "PING b");
  EXPECT_EQ(lines[2].bytes, "PING c");
  EXPECT_FALSE(lines[0].truncated);
}

TEST(LineFramer, ReassemblesAcrossReads) {
  LineFramer f;
  EXPECT_TRUE(feed_all(f, "PRIVMSG #c :hel").empty());
  EXPECT_EQ(f.pending(), 15u);
  EXPECT_TRUE(feed_all(f, "lo\r").empty());
  auto lines = feed_all(f, "\nNEXT");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].bytes, "PRIVMSG #c :hello");
  EXPECT_EQ(f.pending(), 4u);
}

TEST(LineFramer, KeepsRawBytesAndSkipsEmptyLines) {
  LineFramer f;
  auto lines = feed_all(f, "\r\n\n:a PRIVMSG b :caf\xe9 \x01\x02\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].bytes, ":a PRIVMSG b :caf\xe9 \x01\x02");
}

TEST(LineFramer, ExactLimitIsNotTruncated) {
  LineFramer f;
  std::string line(510, 'x');
  auto lines = feed_all(f, line + "\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].bytes, line);
  EXPECT_FALSE(lines[0].truncated);
  // The CR arrives separately from its LF, right at the limit.
  EXPECT_TRUE(feed_all(f, line + "\r").empty());
  lines = feed_all(f, "\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes, line);
}

TEST(LineFramer, TruncatesOverlongLinesAndKeepsGoing) {
  LineFramer f;
  std::string huge(100000, 'y');
  // Delivered in small reads to prove the buffer never grows past the limit.
  std::vector<FramedLine> lines;
  for (std::size_t i = 0; i < huge.size(); i += 1000) {
    f.feed(std::string_view(huge).substr(i, 1000), [&](FramedLine&& l) { lines.push_back(std::move(l)); });
    EXPECT_LE(f.pending(), 511u);
  }
  f.feed("\r\nPING ok\r\n", [&](FramedLine&& l) { lines.push_back(std::move(l)); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes.size(), 510u);
  EXPECT_EQ(lines[1].bytes, "PING ok");
  EXPECT_FALSE(lines[1].truncated);
}

TEST(LineFramer, OneByteOverIsTruncated) {
  LineFramer f;
  auto lines = feed_all(f, std::string(511, 'z') + "\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes.size(), 510u);
}

TEST(LineFramer, TaggedLinesGetTheLargerLimit) {
  LineFramer f;
  std::string tagged = "@" + std::string(4000, 'a') + " PRIVMSG #c :" + std::string(400, 'b');
  auto lines = feed_all(f, tagged + "\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes, tagged);
  lines = feed_all(f, "@" + std::string(9000, 'a') + "\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes.size(), 8191u + 510u);
}

TEST(LineFramer, TruncationDoesNotSplitUtf8) {
  LineFramer f;
  // 509 ASCII bytes then a 3-byte euro sign straddling the 510-byte cut.
  auto lines = feed_all(f, std::string(509, 'e') + "\xe2\x82\xac" + "tail\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].truncated);
  EXPECT_EQ(lines[0].bytes, std::string(509, 'e'));
}

TEST(LineFramer, ResetDropsPartialLine) {
  LineFramer f;
  feed_all(f, "STALE partial");
  f.reset();
  auto lines = feed_all(f, "FRESH\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].bytes, "FRESH");
}

}  // namespace
}  // namespace junction::irc
