#include "util/backoff.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace junction {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

TEST(Backoff, LowestDrawIsHalfTheCeilingAndDoubles) {
  Backoff b(100ms, 10s, [] { return 0.0; });
  EXPECT_EQ(b.next(), 50ms);
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.attempts(), 4);
}

TEST(Backoff, HighestDrawApproachesTheCeiling) {
  Backoff b(100ms, 10s, [] { return 0.999999; });
  EXPECT_EQ(b.next(), 99ms);  // just under the 100 ms ceiling, truncated
  EXPECT_EQ(b.next(), 199ms);
  EXPECT_EQ(b.next(), 399ms);
}

TEST(Backoff, MidpointDraw) {
  Backoff b(1000ms, 1h, [] { return 0.5; });
  EXPECT_EQ(b.next(), 750ms);
  EXPECT_EQ(b.next(), 1500ms);
}

TEST(Backoff, CappedAtMax) {
  Backoff b(1s, 5s, [] { return 0.999999; });
  std::vector<ms> delays;
  for (int i = 0; i < 10; ++i) delays.push_back(b.next());
  EXPECT_EQ(delays[0], 999ms);
  EXPECT_EQ(delays[1], 1999ms);
  EXPECT_EQ(delays[2], 3999ms);
  for (int i = 3; i < 10; ++i) {
    EXPECT_LE(delays[i], 5s) << i;
    EXPECT_GE(delays[i], 4999ms) << i;
  }
  Backoff low(1s, 5s, [] { return 0.0; });
  for (int i = 0; i < 10; ++i) low.next();
  EXPECT_EQ(low.next(), 2500ms);  // half of the cap: jitter stays, even at the cap
}

TEST(Backoff, ManyAttemptsDoNotOverflow) {
  Backoff b(1s, 1h, [] { return 0.999999; });
  for (int i = 0; i < 200; ++i) {
    ms d = b.next();
    ASSERT_GT(d, 0ms) << i;
    ASSERT_LE(d, 1h) << i;
  }
  EXPECT_EQ(b.attempts(), 200);
}

TEST(Backoff, ResetStartsOver) {
  Backoff b(100ms, 10s, [] { return 0.0; });
  b.next();
  b.next();
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.next(), 50ms);
}

TEST(Backoff, DefaultRandomSourceStaysInRange) {
  Backoff b(100ms, 3s);
  for (int attempt = 0; attempt < 12; ++attempt) {
    double ceiling = std::min(100.0 * (1 << attempt), 3000.0);
    ms d = b.next();
    EXPECT_GE(d.count(), static_cast<long>(ceiling / 2)) << attempt;
    EXPECT_LE(d.count(), static_cast<long>(ceiling)) << attempt;
  }
}

}  // namespace
}  // namespace junction
