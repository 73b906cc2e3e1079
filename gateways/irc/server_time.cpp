#include "server_time.hpp"

#include <fmt/format.h>

namespace junction::irc {
namespace {

// Reads exactly n digits at s[pos] and advances pos.
std::optional<int> digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<SysTime> parse_server_time(std::string_view s) {
  using namespace std::chrono;
  std::size_t pos = 0;
  auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto mo = digits(s, pos, 2);
  if (!mo || !expect(s, pos, '-')) return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  auto h = digits(s, pos, 2);
  if (!h || !expect(s, pos, ':')) return std::nullopt;
  auto mi = digits(s, pos, 2);
  if (!mi || !expect(s, pos, ':')) return std::nullopt;
  auto sec = digits(s, pos, 2);
  if (!sec) return std::nullopt;

  year_month_day ymd{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  // 60 allows a leap second, which then lands on the next second.
  if (!ymd.ok() || *h > 23 || *mi > 59 || *sec > 60) return std::nullopt;

  nanoseconds frac{0};
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    std::size_t start = pos;
    long long value = 0;
    long long scale = 1'000'000'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 1) {
        scale /= 10;
        value += (s[pos] - '0') * scale;
      }
      ++pos;
    }
    if (pos == start) return std::nullopt;
    frac = nanoseconds{value};
  }

  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = digits(s, pos, 2);
    if (!oh) return std::nullopt;
    expect(s, pos, ':');
    auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = minutes{sign * (*oh * 60 + *om)};
  } else {
    return std::nullopt;  // a local time without zone cannot be placed on the timeline
  }
  if (pos != s.size()) return std::nullopt;

  auto tp = sys_days{ymd} + hours{*h} + minutes{*mi} + seconds{*sec} - offset;
  return time_point_cast<SysTime::duration>(tp + frac);
}

std::optional<SysTime> message_time(const IrcMessage& msg) {
  auto value = msg.tag("time");
  if (!value) return std::nullopt;
  return parse_server_time(*value);
}

std::string format_xep0082(SysTime t) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(t);
  auto day_start = floor<days>(ms);
  year_month_day ymd{day_start};
  hh_mm_ss<milliseconds> tod{ms - day_start};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), tod.hours().count(),
                     tod.minutes().count(), tod.seconds().count(), tod.subseconds().count());
}

}  // namespace junction::irc
