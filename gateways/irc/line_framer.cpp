#include "line_framer.hpp"

namespace junction::irc {
namespace {

// A cut can land inside a multi-byte UTF-8 sequence; dropping the partial sequence keeps a
// truncated UTF-8 line valid instead of sending the whole line to the legacy-charset decoder.
void trim_partial_utf8(std::string& s) {
  std::size_t n = s.size();
  std::size_t back = 0;
  while (back < 3 && back < n && (static_cast<unsigned char>(s[n - 1 - back]) & 0xC0) == 0x80) ++back;
  if (back == n) return;
  unsigned char lead = static_cast<unsigned char>(s[n - 1 - back]);
  std::size_t need = 0;
  if ((lead & 0xE0) == 0xC0) need = 2;
  else if ((lead & 0xF0) == 0xE0) need = 3;
  else if ((lead & 0xF8) == 0xF0) need = 4;
  if (need > back + 1) s.resize(n - 1 - back);
}

}  // namespace

std::size_t LineFramer::limit(char first) const { return first == '@' ? limits_.tagged : limits_.plain; }

void LineFramer::reset() {
  buffer_.clear();
  overflowed_ = false;
}

void LineFramer::finish_line(const LineHandler& on_line) {
  bool truncated = overflowed_;
  if (!truncated && !buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
  if (!buffer_.empty() && buffer_.size() > limit(buffer_.front())) {
    buffer_.resize(limit(buffer_.front()));
    truncated = true;
  }
  if (truncated) trim_partial_utf8(buffer_);
  FramedLine line{std::move(buffer_), truncated};
  buffer_.clear();
  overflowed_ = false;
  if (!line.bytes.empty() || line.truncated) on_line(std::move(line));
}

void LineFramer::feed(std::string_view data, const LineHandler& on_line) {
  while (!data.empty()) {
    std::size_t lf = data.find('\n');
    std::string_view chunk = data.substr(0, lf);
    if (!overflowed_ && !chunk.empty()) {
      char first = buffer_.empty() ? chunk.front() : buffer_.front();
      // One byte beyond the limit is kept so a CR sitting exactly at the limit is recognised
      // as the line ending rather than as lost content.
      std::size_t room = limit(first) + 1 - buffer_.size();
      buffer_.append(chunk.substr(0, room));
      if (chunk.size() > room) overflowed_ = true;
    }
    if (lf == std::string_view::npos) return;
    finish_line(on_line);
    data.remove_prefix(lf + 1);
  }
}

}  // namespace junction::irc
