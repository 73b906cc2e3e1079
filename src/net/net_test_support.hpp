#pragma once
// Helpers for the net tests: run the loop until something happened, with a ceiling so a bug
// fails the test instead of hanging it.
#include "util/asio.hpp"

#include <chrono>
#include <functional>

namespace junction::net::testing {

inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Runs the loop for a while regardless, for "nothing bad happens later" checks.
inline void run_for(asio::io_context& io, std::chrono::milliseconds span) {
  io.restart();
  io.run_for(span);
}

}  // namespace junction::net::testing
