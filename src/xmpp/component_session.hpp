#pragma once
// One XEP-0114 component stream, as a state machine with no I/O of its own: the owner feeds it
// events (connected, bytes, closed, timer fired) and it answers through a ComponentTransport
// (bytes out, close, open a new connection), a SessionClock (timers) and Callbacks. It keeps
// the stream alive across reconnects: handshake, XEP-0199 dead-link pings, ping barriers for
// durable delivery, and the reconnect backoff.
//
// Not thread-safe: every call, and every callback, happens on the owner's thread. Transport
// and clock implementations must not call back into the session from inside write/close/open/
// schedule/cancel; they report later (Asio posts). Callbacks may call send(), ping() and
// stop(), but must not destroy the session.
#include "util/backoff.hpp"
#include "util/clock.hpp"
#include "xmpp/element.hpp"
#include "xmpp/stream_parser.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace junction::xmpp {

struct ComponentTransport {
  virtual ~ComponentTransport() = default;
  // Start a new connection attempt; answer later with connected() or closed().
  virtual void open() = 0;
  virtual void write(std::string bytes) = 0;
  // Close the connection (after writing what was queued); answer later with closed().
  virtual void close() = 0;
};

enum class SessionTimer {
  attempt,       // connect + handshake deadline
  idle,          // read silence check before a keepalive ping
  ping_timeout,  // the oldest unanswered ping's deadline
  stable,        // online long enough to forget earlier failures
  reconnect,     // backoff wait before the next attempt
  closing,       // bound on a graceful close
};

// The steady clock plus the session's timers.
struct SessionClock : Clock {
  using Duration = std::chrono::milliseconds;
  using TimePoint = Clock::time_point;
  // Replaces a pending timer of the same id; fires with ComponentSession::timer_fired(id).
  virtual void schedule(SessionTimer id, Duration delay) = 0;
  virtual void cancel(SessionTimer id) = 0;
};

struct ComponentOptions {
  using Duration = std::chrono::milliseconds;
  std::string domain;         // the component's domain, e.g. irc.example.org
  std::string secret;
  std::string server_domain;  // ping target; empty: `domain` minus its first label
  StreamParser::Limits limits;
  Duration connect_timeout = std::chrono::seconds(10);
  Duration handshake_timeout = std::chrono::seconds(10);
  Duration ping_interval = std::chrono::seconds(60);  // read silence before a keepalive ping
  Duration ping_timeout = std::chrono::seconds(30);
  Duration backoff_base = std::chrono::seconds(1);
  Duration backoff_max = std::chrono::seconds(60);
  Duration stable_after = std::chrono::seconds(30);   // online this long resets the backoff
  // Minimum wait after a refusal that only a config change can fix (wrong secret, unknown
  // domain), so a mistake never becomes a tight reconnect loop.
  Duration config_error_delay = std::chrono::seconds(60);
  Duration close_timeout = std::chrono::seconds(3);
  std::function<double()> jitter;  // uniform [0,1) for the backoff; empty: random
};

// `domain` minus its first label ("irc.example.org" -> "example.org"); a single label stays.
std::string parent_domain(std::string_view domain);

class ComponentSession {
 public:
  enum class State { stopped, connecting, handshaking, online, closing, waiting };
  using Duration = std::chrono::milliseconds;

  struct Callbacks {
    std::function<void()> on_online;
    std::function<void(Element&&)> on_stanza;
    std::function<void(const std::string& reason)> on_offline;  // only after on_online
    std::function<void()> on_stopped;                           // stop() has finished
  };

  ComponentSession(ComponentOptions options, ComponentTransport& transport, SessionClock& clock,
                   Callbacks callbacks);
  ComponentSession(const ComponentSession&) = delete;
  ComponentSession& operator=(const ComponentSession&) = delete;

  // Owner commands.
  void start();  // first connection attempt now (also restarts a stopped session)
  // Closes the stream gracefully (bounded by close_timeout) and stays stopped; on_stopped
  // follows, at once when there is no connection.
  void stop();
  // Writes a stanza; false (nothing written) unless online.
  bool send(const Element& stanza);
  bool send_raw(std::string_view xml);  // an already serialised stanza; false unless online
  // An XEP-0199 ping to the server. `done(true)` once it is answered (result or error): all
  // written before it on this stream reached the server. `done(false)` if the stream ends
  // first, or at once when not online.
  void ping(std::function<void(bool answered)> done);

  // Events from the transport and clock.
  void connected();
  void received(std::string_view bytes);
  void closed(std::string_view error);  // empty: orderly close
  void timer_fired(SessionTimer id);

  State state() const { return state_; }
  bool online() const { return state_ == State::online; }
  static std::string_view state_name(State state);
  const std::string& last_error() const { return last_error_; }
  Duration last_reconnect_delay() const { return last_delay_; }
  const ComponentOptions& options() const { return options_; }

 private:
  struct PendingPing {
    std::string id;
    SessionClock::TimePoint deadline;
    std::function<void(bool)> done;
  };

  void on_stream_open(const std::vector<std::pair<std::string, std::string>>& attrs);
  void on_element(Element&& element);
  void on_stream_close();
  void on_parse_error(const StreamError& error);
  void on_stream_error(const Element& error);
  bool take_ping_reply(const Element& stanza);
  void send_ping(std::function<void(bool)> done);
  void arm_ping_timeout();
  void check_idle();
  // Ends the current connection: closes the transport, reports offline, fails pending pings,
  // and schedules the next attempt (or finishes a stop).
  void fail(std::string reason, bool config_problem);
  void finish_stop();
  void begin_attempt();
  void go_online();
  void write(std::string bytes);

  ComponentOptions options_;
  ComponentTransport& transport_;
  SessionClock& clock_;
  Callbacks callbacks_;
  StreamParser parser_;
  Backoff backoff_;
  State state_ = State::stopped;
  bool stopping_ = false;        // stop() was called: never reconnect
  bool transport_open_ = false;  // between open() and closed()
  bool was_online_ = false;      // this connection reached online
  bool handshake_sent_ = false;
  bool warned_ping_error_ = false;
  std::string last_error_;
  Duration last_delay_{0};
  SessionClock::TimePoint last_read_{};
  std::deque<PendingPing> pings_;
  std::uint64_t ping_counter_ = 0;
  std::string ping_prefix_;
};

}  // namespace junction::xmpp
