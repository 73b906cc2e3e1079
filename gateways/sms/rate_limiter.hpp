#pragma once
// A token bucket for sends to one provider: `rate` tokens a second, holding at most `burst`.
// reserve() takes a token now or books the next one, and says how long to wait for it, so
// callers delay rather than fail. Time is passed in, so tests need no clock.
#include <algorithm>
#include <chrono>

namespace junction::sms {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

  // How long to wait before sending; zero when a token was available.
  std::chrono::microseconds reserve(Clock::time_point now) {
    if (rate_ <= 0) return std::chrono::microseconds(0);
    if (!started_) {
      started_ = true;
      tokens_ = burst_;
      updated_ = now;
    }
    double elapsed = std::chrono::duration<double>(now - updated_).count();
    if (elapsed > 0) {
      tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
      updated_ = now;
    }
    tokens_ -= 1;  // may go negative: a booked future token
    if (tokens_ >= 0) return std::chrono::microseconds(0);
    return std::chrono::microseconds(static_cast<long>(-tokens_ / rate_ * 1e6));
  }

 private:
  double rate_, burst_;
  double tokens_ = 0;
  bool started_ = false;
  Clock::time_point updated_{};
};

}  // namespace junction::sms
