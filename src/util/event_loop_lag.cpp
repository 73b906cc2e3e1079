#include "util/event_loop_lag.hpp"

#include <algorithm>

namespace junction {
namespace {

double seconds(EventLoopLagMonitor::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

EventLoopLagMonitor::EventLoopLagMonitor(asio::io_context& loop, Metrics& metrics, Duration interval,
                                         std::size_t window)
    : timer_(loop),
      interval_(interval),
      ring_(std::max<std::size_t>(window, 1)),
      last_gauge_(metrics.gauge("junction_event_loop_lag_seconds", "How late the event loop ran a timer, latest sample")),
      max_gauge_(metrics.gauge("junction_event_loop_lag_max_seconds", "Largest event loop lag in the recent window")),
      p99_gauge_(metrics.gauge("junction_event_loop_lag_p99_seconds", "99th percentile of event loop lag in the recent window")) {}

EventLoopLagMonitor::~EventLoopLagMonitor() { stop(); }

void EventLoopLagMonitor::start() {
  if (running_) return;
  running_ = true;
  alive_ = std::make_shared<bool>(true);
  arm();
}

void EventLoopLagMonitor::stop() {
  if (!running_) return;
  running_ = false;
  *alive_ = false;
  alive_.reset();
  timer_.cancel();
}

void EventLoopLagMonitor::arm() {
  // Each deadline counts from when the last handler ran, not from the previous deadline: a
  // long stall then yields one large sample instead of a burst of catch-up firings.
  timer_.expires_after(interval_);
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    auto lag = std::chrono::steady_clock::now() - timer_.expiry();
    record(std::max(lag, Duration::zero()));
    arm();
  });
}

void EventLoopLagMonitor::record(Duration lag) {
  last_ = lag;
  ring_[next_] = lag;
  next_ = (next_ + 1) % ring_.size();
  count_ = std::min(count_ + 1, ring_.size());
  last_gauge_.set(seconds(last_));
  max_gauge_.set(seconds(max()));
  p99_gauge_.set(seconds(p99()));
}

EventLoopLagMonitor::Duration EventLoopLagMonitor::max() const {
  if (count_ == 0) return Duration::zero();
  return *std::max_element(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(count_));
}

EventLoopLagMonitor::Duration EventLoopLagMonitor::p99() const {
  if (count_ == 0) return Duration::zero();
  // Nearest rank: the smallest sample that at least 99% of the window is at or below.
  std::vector<Duration> sorted(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(count_));
  std::size_t rank = (count_ * 99 + 99) / 100;  // ceil(0.99 * n), at least 1
  auto nth = sorted.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(sorted.begin(), nth, sorted.end());
  return *nth;
}

}  // namespace junction
