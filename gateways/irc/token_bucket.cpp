#include "token_bucket.hpp"

#include <algorithm>

namespace junction::irc {

TokenBucket::TokenBucket(std::size_t burst, Duration interval) { configure(burst, interval); }

void TokenBucket::configure(std::size_t burst, Duration interval) {
  burst_ = std::max<std::size_t>(burst, 1);
  interval_ = std::max(interval, Duration::zero());
}

TokenBucket::Duration TokenBucket::next_send_delay(Clock::time_point now) const {
  // Sending now would push the full-again time to max(tat, now) + interval; that is allowed
  // while it stays within burst intervals of now.
  Clock::time_point after = std::max(tat_, now) + interval_;
  Duration allowance = interval_ * static_cast<Duration::rep>(burst_);
  Duration excess = (after - now) - allowance;
  return std::max(excess, Duration::zero());
}

bool TokenBucket::try_consume(Clock::time_point now) {
  if (next_send_delay(now) > Duration::zero()) return false;
  tat_ = std::max(tat_, now) + interval_;
  return true;
}

}  // namespace junction::irc
