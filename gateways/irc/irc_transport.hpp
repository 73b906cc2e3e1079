#pragma once
// What IrcConnection needs from the outside world, as small interfaces: a byte stream to the
// server and one-shot timers. The Asio implementations (DNS over v4 and v6, TCP, TLS with
// SNI, CA or fingerprint verification, client certificates) live here too; tests replace
// them with scripted fakes so the protocol state machine runs without sockets or sleeps.
#include "network_config.hpp"
#include "util/asio.hpp"
#include "util/clock.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace junction::irc {

/// A connection to one server. After close() (or destruction) no handler is called again.
class Transport {
 public:
  struct Handlers {
    /// The stream is up (after the TLS handshake for TLS).
    std::function<void()> on_connected;
    /// Raw bytes from the server, in order.
    std::function<void(std::string_view bytes)> on_data;
    /// The stream failed or ended, before or after on_connected; a readable reason
    /// ("connection refused", "TLS: certificate verify failed", "closed by server").
    std::function<void(const std::string& reason)> on_closed;
  };

  virtual ~Transport() = default;
  /// Starts resolving and connecting; exactly one of on_connected/on_closed follows.
  virtual void connect(const NetworkConfig& network, const std::string& client_cert_pem_file,
                       Handlers handlers) = 0;
  /// Queues bytes; writes happen in call order.
  virtual void write(std::string bytes) = 0;
  /// Calls done once everything written so far has left (or the stream is gone).
  virtual void when_flushed(std::function<void()> done) = 0;
  /// Closes at once; pending writes are dropped and no handler runs afterwards.
  virtual void close() = 0;
};

/// A one-shot timer. Re-arming replaces the pending callback; cancel() guarantees it won't run.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start(Clock::duration delay, std::function<void()> callback) = 0;
  virtual void cancel() = 0;
  virtual bool armed() const = 0;
};

/// How an IrcConnection reaches the world: real sockets and timers, or test doubles.
struct IrcEnvironment {
  std::function<std::unique_ptr<Transport>()> make_transport;
  std::function<std::unique_ptr<Timer>()> make_timer;
  const Clock* clock = &real_clock();
};

/// Sockets and timers on an io_context.
IrcEnvironment asio_environment(asio::io_context& io);

std::unique_ptr<Transport> make_asio_transport(asio::io_context& io);
std::unique_ptr<Timer> make_asio_timer(asio::io_context& io);

/// "AB:cd:01..." or "abcd01..." -> "abcd01..."; empty when not 64 hex digits once cleaned.
std::string normalize_fingerprint(std::string_view fingerprint);

}  // namespace junction::irc
