#pragma once
// Cuts a component's XML stream into top-level stanzas without parsing them: the load
// generator only needs to know where each stanza ends and to look at a few attributes, and a
// full parser on this side would cost about as much CPU as the gateway under test. Assumes
// well-formed input (both gateways emit it); quotes inside tags are honoured, comments and
// processing instructions skipped.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace junction::bench::irc {

class StanzaScanner {
 public:
  std::function<void()> on_stream_open;
  std::function<void(std::string_view)> on_stanza;

  void feed(std::string_view bytes) {
    buf_.append(bytes);
    scan();
    // Keep only what an unfinished stanza or tag still needs.
    std::size_t keep = depth_ >= 2 ? stanza_start_ : pos_;
    if (keep > 0) {
      buf_.erase(0, keep);
      pos_ -= keep;
      if (depth_ >= 2) stanza_start_ = 0;
    }
  }

 private:
  void scan() {
    for (;;) {
      std::size_t lt = buf_.find('<', pos_);
      if (lt == std::string::npos) {
        pos_ = buf_.size();
        return;
      }
      if (lt + 1 >= buf_.size()) {
        pos_ = lt;
        return;
      }
      char c = buf_[lt + 1];
      if (c == '?' || c == '!') {
        auto end = buf_.find(c == '?' ? "?>" : ">", lt + 2);
        if (end == std::string::npos) {
          pos_ = lt;
          return;
        }
        pos_ = end + (c == '?' ? 2 : 1);
        continue;
      }
      std::size_t gt = tag_end(lt + 1);
      if (gt == std::string::npos) {
        pos_ = lt;
        return;
      }
      pos_ = gt + 1;
      if (c == '/') {
        if (--depth_ == 1 && on_stanza) on_stanza(std::string_view(buf_).substr(stanza_start_, gt + 1 - stanza_start_));
        continue;
      }
      bool self_closing = buf_[gt - 1] == '/';
      if (depth_ == 0) {
        depth_ = 1;  // the stream header stays open
        if (on_stream_open) on_stream_open();
        continue;
      }
      if (depth_ == 1) stanza_start_ = lt;
      if (self_closing) {
        if (depth_ == 1 && on_stanza) on_stanza(std::string_view(buf_).substr(lt, gt + 1 - lt));
        continue;
      }
      ++depth_;
    }
  }

  std::size_t tag_end(std::size_t from) const {
    char quote = 0;
    for (std::size_t i = from; i < buf_.size(); ++i) {
      char c = buf_[i];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '>') {
        return i;
      }
    }
    return std::string::npos;
  }

  std::string buf_;
  std::size_t pos_ = 0, stanza_start_ = 0;
  int depth_ = 0;
};

// The value of attribute `name` in the start tag at the beginning of `stanza`, or "".
inline std::string_view start_tag_attr(std::string_view stanza, std::string_view name) {
  auto tag_end = stanza.find('>');
  std::string_view tag = stanza.substr(0, tag_end);
  for (std::size_t at = 0;;) {
    at = tag.find(name, at);
    if (at == std::string_view::npos) return {};
    std::size_t q = at + name.size();
    if (at > 0 && tag[at - 1] == ' ' && q + 1 < tag.size() && tag[q] == '=' && (tag[q + 1] == '\'' || tag[q + 1] == '"')) {
      char quote = tag[q + 1];
      auto close = tag.find(quote, q + 2);
      if (close == std::string_view::npos) return {};
      return tag.substr(q + 2, close - q - 2);
    }
    at = q;
  }
}

}  // namespace junction::bench::irc
