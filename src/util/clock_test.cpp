#include "util/clock.hpp"

#include <gtest/gtest.h>

namespace junction {
namespace {

using namespace std::chrono_literals;

TEST(Clock, NowMillisIsUnixTimeInMilliseconds) {
  Millis t = now_millis();
  EXPECT_GT(t, Millis{1'600'000'000'000});  // after September 2020
  EXPECT_LT(t, Millis{4'100'000'000'000});  // before 2100
  EXPECT_GE(now_millis(), t);
}

TEST(Clock, RealClockIsMonotonic) {
  const Clock& clock = real_clock();
  auto a = clock.now();
  auto b = clock.now();
  EXPECT_LE(a, b);
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock clock;
  auto start = clock.now();
  EXPECT_EQ(clock.now(), start);
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - start, 1500ms);
  clock.set(start);
  EXPECT_EQ(clock.now(), start);
}

}  // namespace
}  // namespace junction
