#include "server_time.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

using namespace std::chrono;

TEST(ServerTime, ParsesTheSpecFormat) {
  auto t = parse_server_time("2011-10-19T16:40:51.620Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(duration_cast<milliseconds>(t->time_since_epoch()).count(), 1319042451620LL);
  EXPECT_EQ(format_xep0082(*t), "2011-10-19T16:40:51.620Z");
}

TEST(ServerTime, AcceptsVariants) {
  auto base = parse_server_time("2024-02-29T23:59:59Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(format_xep0082(*base), "2024-02-29T23:59:59.000Z");
  auto offset = parse_server_time("2024-03-01T01:59:59+02:00");
  ASSERT_TRUE(offset);
  EXPECT_EQ(*offset, *base);
  auto micro = parse_server_time("2024-02-29T23:59:59.123456Z");
  ASSERT_TRUE(micro);
  EXPECT_EQ(format_xep0082(*micro), "2024-02-29T23:59:59.123Z");
  EXPECT_TRUE(parse_server_time("2024-02-29T23:59:59.1234567891Z"));
}

TEST(ServerTime, RejectsGarbage) {
  for (std::string_view bad : {"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01 00:00:00Z",
                               "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
                               "2024-01-01T00:00:00Zjunk", "1700000000", "2024-1-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_server_time(bad)) << bad;
  }
}

TEST(ServerTime, ReadsTheTag) {
  auto msg = parse("@time=2020-01-01T00:00:00.000Z :n!u@h PRIVMSG #c :old news").value();
  auto t = message_time(msg);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_xep0082(*t), "2020-01-01T00:00:00.000Z");
  EXPECT_FALSE(message_time(parse(":n!u@h PRIVMSG #c :now").value()));
  EXPECT_FALSE(message_time(parse("@time=yesterday PING x").value()));
}

TEST(ServerTime, FormatsBeforeTheEpoch) {
  auto t = parse_server_time("1969-12-31T23:59:59.500Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_xep0082(*t), "1969-12-31T23:59:59.500Z");
}

}  // namespace
}  // namespace junction::irc
