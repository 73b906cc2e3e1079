#pragma once
// Cuts an incoming IRC byte stream into lines. Bytes are kept raw (charset decoding happens
// later, per network). Memory stays bounded: an overlong line is truncated and flagged rather
// than buffered, and the framer keeps reading past it, so a hostile or buggy server cannot
// stall the connection or grow the buffer.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace junction::irc {

struct FramedLine {
  /// The line without its LF and optional CR.
  std::string bytes;
  /// True when the line went past the limit and its tail was discarded.
  bool truncated = false;
};

struct FramerLimits {
  /// Longest line without tags, not counting CRLF (RFC 1459: 512 with CRLF).
  std::size_t plain = 510;
  /// Longest line starting with '@': 8191 bytes of tags plus a 510-byte message (IRCv3).
  std::size_t tagged = 8191 + 510;
};

class LineFramer {
 public:
  using LineHandler = std::function<void(FramedLine&&)>;

  explicit LineFramer(FramerLimits limits = {}) : limits_(limits) {}

  /// Appends bytes and calls on_line for every line they complete, in order. Empty lines
  /// are skipped (RFC 2812 says to ignore them silently).
  void feed(std::string_view data, const LineHandler& on_line);

  /// Bytes of the incomplete line held so far (at most the tagged limit plus one).
  std::size_t pending() const { return buffer_.size(); }

  /// Forgets any partial line, e.g. after a reconnect so stale bytes never reach a new session.
  void reset();

 private:
  std::size_t limit(char first) const;
  void finish_line(const LineHandler& on_line);

  FramerLimits limits_;
  std::string buffer_;
  bool overflowed_ = false;
};

}  // namespace junction::irc
