#pragma once
// Incremental parser for an XMPP stream (Expat, namespace mode). Feed it bytes as they arrive,
// split anywhere; it calls back:
//  - on_stream_open with the <stream:stream> root's attributes once the root start tag is read,
//  - on_stanza with each complete first-level child, as soon as its end tag arrives,
//  - on_stream_close when </stream:stream> arrives,
//  - on_error once for the first violation; after that the parser ignores further input.
// Restricted XML (RFC 6120 section 11.1): DOCTYPE, processing instructions, comments and
// entity declarations/references other than the five predefined ones are refused with
// "restricted-xml"; ill-formed input gives "not-well-formed"; a stanza larger than
// Limits::max_stanza_bytes, or nested deeper than Limits::max_depth, gives "policy-violation".
// Reparse deferral (Expat >= 2.6, backported to Debian's 2.5.0) is disabled so a stanza is
// never held back after its last byte arrived.
//
// Callbacks may call reset(), feed() or even destroy the parser:
//  - reset() from a callback takes effect when the callback returns; the bytes after the
//    event that triggered it (the rest of the current feed) start the new stream. From
//    on_error, the rest of the current feed is dropped.
//  - feed() from a callback queues the bytes after those of the current feed.
//  - destroying the parser from a callback is safe; feed() then returns false.
// An exception thrown by a callback leaves the parser failed (no on_error) and propagates
// out of feed(). Elements in no namespace take their parent's (see Element::add_child);
// on_stream_open also gets the root's default namespace as an "xmlns" attribute, and
// namespaced attributes other than xml:* are dropped. After on_stream_close, input is ignored.
#include "xmpp/element.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace junction::xmpp {

struct StreamError {
  std::string condition;  // RFC 6120 stream error condition, e.g. "not-well-formed"
  std::string text;       // human-readable detail for the log and the <text/> element
};

class StreamParser {
 public:
  struct Limits {
    std::size_t max_stanza_bytes = 256 * 1024;
    std::size_t max_depth = 64;  // nesting below the stream root
  };
  struct Callbacks {
    std::function<void(const std::vector<std::pair<std::string, std::string>>& attrs)> on_stream_open;
    std::function<void(Element&& stanza)> on_stanza;
    std::function<void()> on_stream_close;
    std::function<void(const StreamError&)> on_error;
  };

  StreamParser(Callbacks callbacks, Limits limits);
  explicit StreamParser(Callbacks callbacks);
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  // Returns false once an error has been reported (now or earlier).
  bool feed(std::string_view bytes);
  // Start over for a new stream (after a reconnect).
  void reset();
  bool failed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace junction::xmpp
