#pragma once
// Exponential backoff with full jitter: the n-th delay is drawn uniformly from
// [base*2^n / 2, base*2^n] and capped at `max`. The random source is injectable so tests can
// check the timing without sleeping.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>

namespace junction {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  // `uniform01` returns a number in [0, 1); defaults to a seeded Mersenne twister.
  Backoff(Duration base, Duration max, std::function<double()> uniform01 = {})
      : base_(base), max_(max), uniform01_(std::move(uniform01)) {
    if (!uniform01_) {
      uniform01_ = [engine = std::mt19937_64{std::random_device{}()}]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
      };
    }
  }

  // The next delay; each call doubles the ceiling until `max`.
  Duration next() {
    double ceiling = static_cast<double>(base_.count()) * static_cast<double>(std::uint64_t{1} << std::min(attempt_, 30));
    ceiling = std::min(ceiling, static_cast<double>(max_.count()));
    ++attempt_;
    double delay = ceiling / 2 + uniform01_() * ceiling / 2;
    return Duration(static_cast<Duration::rep>(delay));
  }
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  Duration base_, max_;
  std::function<double()> uniform01_;
  int attempt_ = 0;
};

}  // namespace junction
