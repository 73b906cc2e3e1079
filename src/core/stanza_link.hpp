#pragma once
// The narrow view of a component stream that delivery needs: write, and a barrier (a ping
// whose answer proves every earlier write on the same stream reached the server).
// GatewayHost adapts the real ComponentConnection to it; tests use a fake.
#include <functional>
#include <string_view>

namespace junction::core {

class StanzaLink {
 public:
  virtual ~StanzaLink() = default;
  virtual bool online() const = 0;
  // Writes an already serialised stanza; false when the stream is not online.
  virtual bool write_serialized(std::string_view stanza) = 0;
  // `done(true)` once the server answered a ping sent after every earlier write;
  // `done(false)` if the stream went down first.
  virtual void barrier(std::function<void(bool answered)> done) = 0;
};

}  // namespace junction::core
