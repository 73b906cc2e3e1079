#include "rate_limit.hpp"

#include <algorithm>

namespace junction::email {

bool RateLimiter::allow(const std::string& key, Clock::time_point now) {
  const double capacity = per_minute_;
  auto [it, created] = buckets_.try_emplace(key, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!created) {
    double minutes = std::chrono::duration<double, std::ratio<60>>(now - b.updated).count();
    b.tokens = std::min(capacity, b.tokens + std::max(0.0, minutes) * capacity);
    b.updated = now;
  }
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  // A full bucket carries no information: forget it, so idle users cost no memory.
  if (buckets_.size() > 10'000)
    std::erase_if(buckets_, [&](const auto& entry) {
      return now - entry.second.updated > std::chrono::minutes(1);
    });
  return true;
}

}  // namespace junction::email
