#include "util/event_loop_lag.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace junction {
namespace {

using namespace std::chrono_literals;

double gauge_value(Metrics& m, const std::string& name) { return m.gauge(name, "").value(); }

TEST(EventLoopLag, StatisticsOverRecordedSamples) {
  asio::io_context loop;
  Metrics metrics;
  EventLoopLagMonitor monitor(loop, metrics, 100ms, 1000);
  EXPECT_EQ(monitor.max(), 0ms);
  EXPECT_EQ(monitor.p99(), 0ms);

  for (int i = 1; i <= 100; ++i) monitor.record(std::chrono::milliseconds(i));
  EXPECT_EQ(monitor.samples(), 100u);
  EXPECT_EQ(monitor.last(), 100ms);
  EXPECT_EQ(monitor.max(), 100ms);
  EXPECT_EQ(monitor.p99(), 99ms);
  monitor.record(1ms);
  EXPECT_EQ(monitor.last(), 1ms);
  EXPECT_EQ(monitor.max(), 100ms);

  EXPECT_DOUBLE_EQ(gauge_value(metrics, "junction_event_loop_lag_seconds"), 0.001);
  EXPECT_DOUBLE_EQ(gauge_value(metrics, "junction_event_loop_lag_max_seconds"), 0.1);
  EXPECT_DOUBLE_EQ(gauge_value(metrics, "junction_event_loop_lag_p99_seconds"), 0.099);
}

TEST(EventLoopLag, OldSamplesLeaveTheWindow) {
  asio::io_context loop;
  Metrics metrics;
  EventLoopLagMonitor monitor(loop, metrics, 100ms, 10);
  monitor.record(500ms);
  for (int i = 0; i < 10; ++i) monitor.record(2ms);
  EXPECT_EQ(monitor.samples(), 10u);
  EXPECT_EQ(monitor.max(), 2ms);
  EXPECT_EQ(monitor.p99(), 2ms);
}

TEST(EventLoopLag, OneOutlierInAHundredIsNotTheP99) {
  asio::io_context loop;
  Metrics metrics;
  EventLoopLagMonitor monitor(loop, metrics);
  for (int i = 0; i < 199; ++i) monitor.record(1ms);
  monitor.record(900ms);
  EXPECT_EQ(monitor.max(), 900ms);
  EXPECT_EQ(monitor.p99(), 1ms);
}

TEST(EventLoopLag, MeasuresABlockedLoop) {
  asio::io_context loop;
  Metrics metrics;
  EventLoopLagMonitor monitor(loop, metrics, 5ms);
  monitor.start();
  asio::steady_timer block(loop);
  block.expires_after(20ms);
  block.async_wait([](const boost::system::error_code&) { std::this_thread::sleep_for(60ms); });
  asio::steady_timer end(loop);
  end.expires_after(150ms);
  end.async_wait([&](const boost::system::error_code&) { monitor.stop(); });
  loop.run();  // returns once the monitor stops re-arming
  EXPECT_GE(monitor.samples(), 3u);
  EXPECT_GE(monitor.max(), 30ms);
  EXPECT_GT(gauge_value(metrics, "junction_event_loop_lag_max_seconds"), 0.03);
  EXPECT_NE(metrics.render().find("# TYPE junction_event_loop_lag_seconds gauge"), std::string::npos);
}

TEST(EventLoopLag, StopAndDestroyWithAHandlerPending) {
  asio::io_context loop;
  Metrics metrics;
  {
    EventLoopLagMonitor monitor(loop, metrics, 1ms);
    monitor.start();
    monitor.start();  // no-op
    std::this_thread::sleep_for(5ms);
    loop.poll();  // fires at most the due handler and re-arms
  }
  // The cancelled wait runs after the monitor is gone and must not touch it.
  loop.run();
  SUCCEED();
}

}  // namespace
}  // namespace junction
