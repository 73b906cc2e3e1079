#pragma once
// The Asio side of one XEP-0114 component stream: resolves and connects to the XMPP server's
// component port on the shared io_context, feeds a ComponentSession, runs its timers, queues
// writes, and reconnects per the session's backoff until stop(). Reports to Metrics:
//   junction_xmpp_reconnects_total{gateway}, junction_xmpp_stanzas_{in,out}_total{gateway,kind}
//   (kind = message | presence | iq), junction_xmpp_stream_online{gateway} (1 online, 0 not).
// Use from the io_context's thread only. Destroying it drops the connection at once; stop()
// first for a graceful close.
#include "util/asio.hpp"
#include "util/metrics.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/element.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace junction::xmpp {

class ComponentConnection {
 public:
  struct Options {
    std::string name;  // the gateway's name, the metrics' `gateway` label
    std::string host = "127.0.0.1";
    std::uint16_t port = 5347;
    ComponentOptions session;
  };
  struct Callbacks {
    std::function<void()> on_online;
    std::function<void(Element&&)> on_stanza;
    std::function<void(const std::string& reason)> on_offline;  // only after on_online
  };

  ComponentConnection(asio::io_context& io, Options options, Metrics& metrics, Callbacks callbacks);
  ~ComponentConnection();
  ComponentConnection(const ComponentConnection&) = delete;
  ComponentConnection& operator=(const ComponentConnection&) = delete;

  void start();
  // Sends </stream:stream>, waits (bounded by close_timeout) for the server's, closes, then
  // calls `done` (posted, never from inside stop()). No reconnects after this.
  void stop(std::function<void()> done);
  // False, with nothing sent, unless the stream is online.
  bool send(const Element& stanza);
  // An already serialised stanza (from the outbox); false unless online.
  bool send_raw(std::string_view stanza);
  bool online() const;
  // See ComponentSession::ping: done(true) means all written before it reached the server.
  void ping(std::function<void(bool answered)> done);

  std::string state_name() const;   // "online", "connecting", "waiting"... for /healthz
  std::string last_error() const;   // why the stream last ended, "" once online
  const std::string& domain() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace junction::xmpp
