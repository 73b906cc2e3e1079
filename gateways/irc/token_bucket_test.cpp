#include "token_bucket.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucket, AllowsABurstThenPaces) {
  TokenBucket bucket(3, 2s);
  Clock::time_point t{1000s};
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_FALSE(bucket.try_consume(t));
  EXPECT_EQ(bucket.next_send_delay(t), 2s);
  EXPECT_EQ(bucket.next_send_delay(t + 500ms), 1500ms);
  EXPECT_TRUE(bucket.try_consume(t + 2s));
  EXPECT_FALSE(bucket.try_consume(t + 2s));
  EXPECT_EQ(bucket.next_send_delay(t + 2s), 2s);
}

TEST(TokenBucket, RefillsWhileIdleWithoutWork) {
  TokenBucket bucket(4, 1s);
  Clock::time_point t{50s};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_FALSE(bucket.try_consume(t));
  // A long silence refills to the burst, never beyond it.
  Clock::time_point later = t + 1h;
  EXPECT_EQ(bucket.next_send_delay(later), 0s);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.try_consume(later));
  EXPECT_FALSE(bucket.try_consume(later));
}

TEST(TokenBucket, PartialRefill) {
  TokenBucket bucket(2, 1s);
  Clock::time_point t{10s};
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_TRUE(bucket.try_consume(t + 1s));
  EXPECT_FALSE(bucket.try_consume(t + 1s));
  EXPECT_TRUE(bucket.try_consume(t + 2s));
}

TEST(TokenBucket, SteadyRateOverTime) {
  TokenBucket bucket(5, 2s);
  Clock::time_point t{0s};
  int sent = 0;
  // Drive it the way a sender would: wait exactly the advised delay each time.
  Clock::time_point now = t;
  while (now < t + 60s) {
    now += bucket.next_send_delay(now);
    if (now >= t + 60s) break;
    ASSERT_TRUE(bucket.try_consume(now));
    ++sent;
  }
  EXPECT_EQ(sent, 5 + 29);
}

TEST(TokenBucket, ReconfigureAndDegenerateValues) {
  TokenBucket bucket(0, -1s);
  EXPECT_EQ(bucket.burst(), 1u);
  EXPECT_EQ(bucket.interval(), 0s);
  Clock::time_point t{5s};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(bucket.try_consume(t));
  bucket.configure(1, 10s);
  EXPECT_TRUE(bucket.try_consume(t));
  EXPECT_EQ(bucket.next_send_delay(t), 10s);
}

}  // namespace
}  // namespace junction::irc
