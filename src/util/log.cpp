#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace junction::log {
namespace {
std::atomic<int> current_level{static_cast<int>(Level::info)};
std::mutex write_mutex;
constexpr std::string_view names[] = {"error", "warn", "info", "debug", "trace"};
}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  for (int i = 0; i < 5; ++i)
    if (names[i] == name) return static_cast<Level>(i);
  return std::nullopt;
}

std::string_view level_name(Level level) { return names[static_cast<int>(level)]; }

void set_level(Level level) { current_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(current_level.load(std::memory_order_relaxed)); }

void write(Level level, std::string_view component, std::string_view message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(write_mutex);
  std::fprintf(stderr, "%s.%03dZ %-5s [%.*s] %.*s\n", stamp, static_cast<int>(millis),
               names[static_cast<int>(level)].data(), static_cast<int>(component.size()), component.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace junction::log
