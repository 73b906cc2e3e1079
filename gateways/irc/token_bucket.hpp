#pragma once
// Flood control for outgoing IRC lines: up to `burst` lines at once, then one per `interval`.
// The state is one timestamp (the GCRA "theoretical arrival time"), updated only when a line is
// sent, so an idle connection costs no timer and no work; the caller asks next_send_delay()
// and arms a timer only while its queue is non-empty. Not thread-safe: one connection, one loop.
#include <chrono>
#include <cstddef>

namespace junction::irc {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;

  /// burst >= 1 lines may go back to back; afterwards one line per interval.
  TokenBucket(std::size_t burst, Duration interval);

  /// How long to wait before one more line may be sent; zero when it may go now.
  Duration next_send_delay(Clock::time_point now) const;

  /// Takes a token when one is available, returning false (and changing nothing) otherwise.
  bool try_consume(Clock::time_point now);

  /// Changes the limits (config reload) without forgetting what was recently sent.
  void configure(std::size_t burst, Duration interval);

  std::size_t burst() const { return burst_; }
  Duration interval() const { return interval_; }

 private:
  std::size_t burst_;
  Duration interval_;
  Clock::time_point tat_{};  // when the bucket is completely full again
};

}  // namespace junction::irc
