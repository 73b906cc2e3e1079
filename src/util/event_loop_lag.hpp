#pragma once
// Watches how responsive the event loop is: a timer is armed every `interval`, and the time
// between its deadline and the moment its handler actually runs is the loop's lag (how long
// ready work had to wait behind whatever was running). Keeps the last `window` samples and
// publishes, in seconds, on the Metrics it was given:
//   junction_event_loop_lag_seconds       the latest sample
//   junction_event_loop_lag_max_seconds   the largest sample in the window
//   junction_event_loop_lag_p99_seconds   the 99th percentile of the window
//
// Thread-safety: construct, start, stop, record and read on the loop's thread; the gauges
// may be rendered from anywhere.
#include "util/asio.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

namespace junction {

class EventLoopLagMonitor {
 public:
  using Duration = std::chrono::steady_clock::duration;

  EventLoopLagMonitor(asio::io_context& loop, Metrics& metrics,
                      Duration interval = std::chrono::milliseconds(100), std::size_t window = 600);
  ~EventLoopLagMonitor();  // stop()
  EventLoopLagMonitor(const EventLoopLagMonitor&) = delete;
  EventLoopLagMonitor& operator=(const EventLoopLagMonitor&) = delete;

  void start();  // arms the timer; no-op if running
  void stop();   // cancels it; the statistics stay readable

  // Adds one sample as if the timer had fired `lag` late. The timer calls it; tests may too.
  void record(Duration lag);

  Duration last() const { return last_; }
  Duration max() const;
  Duration p99() const;
  std::size_t samples() const { return count_; }

 private:
  void arm();

  asio::steady_timer timer_;
  Duration interval_;
  std::vector<Duration> ring_;  // the last `window` samples, oldest overwritten first
  std::size_t next_ = 0, count_ = 0;
  Duration last_{};
  bool running_ = false;
  // Shared with the pending timer handler so a handler that outlives the monitor (it may
  // still be queued when the monitor is destroyed) knows not to touch it.
  std::shared_ptr<bool> alive_;
  Gauge& last_gauge_;
  Gauge& max_gauge_;
  Gauge& p99_gauge_;
};

}  // namespace junction
