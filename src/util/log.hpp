#pragma once
// Logging to stderr with levels. One line per event: "LEVEL [component] message".
// Thread-safe. The level can change at run time (SIGHUP reload).
#include <fmt/format.h>

#include <optional>
#include <string_view>

namespace junction::log {

enum class Level { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

void set_level(Level level);
Level level();
inline bool enabled(Level l) { return static_cast<int>(l) <= static_cast<int>(level()); }

void write(Level level, std::string_view component, std::string_view message);

template <class... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void trace(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::trace)) write(Level::trace, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace junction::log
