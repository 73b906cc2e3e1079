#pragma once
// Time sources. now_millis() is wall-clock time for values that are stored or sent (outbox
// timestamps, delays): milliseconds since the Unix epoch. Clock is the steady clock behind
// an interface, so state machines that time things out can be tested with ManualClock
// instead of sleeping.
#include <chrono>
#include <cstdint>

namespace junction {

using Millis = std::int64_t;

inline Millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

// The process-wide steady clock. Thread-safe.
inline const Clock& real_clock() {
  struct Real final : Clock {
    time_point now() const override { return std::chrono::steady_clock::now(); }
  };
  static const Real real;
  return real;
}

// A clock that moves only when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start = time_point{}) : now_(start) {}
  time_point now() const override { return now_; }
  void advance(duration d) { now_ += d; }
  void set(time_point t) { now_ = t; }

 private:
  time_point now_;
};

}  // namespace junction
