#pragma once
// Per-user send limits: a token bucket per key that refills `per_minute` tokens a minute and
// holds at most that many, so a user may send a short burst but not a stream. In memory: a
// restart forgives, which is fine for a limit meant to stop runaway clients and spam.
// Not thread-safe (the loop owns it).
#include <chrono>
#include <string>
#include <unordered_map>

namespace junction::email {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  void set_rate(int per_minute) { per_minute_ = per_minute; }

  /// Takes one token for `key`; false (and nothing taken) when the bucket is empty.
  bool allow(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated{};
  };
  int per_minute_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace junction::email
