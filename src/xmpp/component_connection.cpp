#include "xmpp/component_connection.hpp"

#include "util/log.hpp"

#include <array>
#include <utility>

namespace junction::xmpp {
namespace {

using tcp = asio::ip::tcp;
constexpr std::size_t timer_count = static_cast<std::size_t>(SessionTimer::closing) + 1;
// How long a closed connection may keep flushing its last bytes (a stream error, the closing
// tag) to a peer that stopped reading.
constexpr auto linger = std::chrono::seconds(2);
// Write buffers above this size are released after use rather than kept for the next write.
constexpr std::size_t kept_write_buffer = 256 * 1024;

int kind_index(std::string_view name) {
  if (name == "message") return 0;
  if (name == "presence") return 1;
  if (name == "iq") return 2;
  return -1;
}

}  // namespace

class ComponentConnection::Impl : public std::enable_shared_from_this<Impl>,
                                  public ComponentTransport,
                                  public SessionClock {
 public:
  Impl(asio::io_context& io, Options options, Metrics& metrics, Callbacks callbacks)
      : io_(io),
        options_(std::move(options)),
        callbacks_(std::move(callbacks)),
        resolver_(io),
        timers_(make_timers(io)),
        session_(options_.session, *this, *this, session_callbacks()) {
    Labels base{{"gateway", options_.name}};
    reconnects_ = &metrics.counter("junction_xmpp_reconnects_total",
                                   "Component stream connection attempts after the first", base);
    online_gauge_ = &metrics.gauge("junction_xmpp_stream_online",
                                   "1 while the component stream is authenticated, else 0", base);
    static constexpr std::array<const char*, 3> kinds{"message", "presence", "iq"};
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      Labels labels{{"gateway", options_.name}, {"kind", kinds[i]}};
      in_[i] = &metrics.counter("junction_xmpp_stanzas_in_total", "Stanzas received from the XMPP server", labels);
      out_[i] = &metrics.counter("junction_xmpp_stanzas_out_total", "Stanzas sent to the XMPP server", labels);
    }
    online_gauge_->set(0);
  }

  // Called by the owner's destructor: from here on no handler may touch the session or the
  // owner's callbacks, though handlers still hold this object alive until they complete.
  void shutdown() {
    shut_down_ = true;
    resolver_.cancel();
    for (auto& t : timers_) t.cancel();
    if (conn_) force_close(conn_);
    conn_.reset();
    callbacks_ = {};
    stop_done_ = {};
    online_gauge_->set(0);
  }

  ComponentSession& session() { return session_; }
  const ComponentSession& session() const { return session_; }

  void stop(std::function<void()> done) {
    // A second stop() while the first is closing must not lose the first caller's `done`.
    if (stop_done_ && done) {
      stop_done_ = [first = std::move(stop_done_), second = std::move(done)] {
        first();
        second();
      };
    } else if (done) {
      stop_done_ = std::move(done);
    }
    session_.stop();
  }

  bool send(const Element& stanza) {
    if (!session_.send(stanza)) return false;
    if (int k = kind_index(stanza.name()); k >= 0) out_[static_cast<std::size_t>(k)]->inc();
    return true;
  }

  bool send_raw(std::string_view stanza) {
    if (!session_.send_raw(stanza)) return false;
    // Stored stanzas are counted by the name they start with.
    auto end = stanza.find_first_of(" />", 1);
    if (int k = kind_index(stanza.substr(1, end == std::string_view::npos ? 0 : end - 1)); k >= 0)
      out_[static_cast<std::size_t>(k)]->inc();
    return true;
  }

  // ComponentTransport
  void open() override {
    if (attempts_++ > 0) reconnects_->inc();
    auto c = std::make_shared<Conn>(io_);
    conn_ = c;
    resolver_.async_resolve(
        options_.host, std::to_string(options_.port),
        [self = shared_from_this(), c](const boost::system::error_code& ec, tcp::resolver::results_type results) {
          if (self->shut_down_ || c != self->conn_) return;
          if (ec) {
            self->report_closed(c, "cannot resolve " + self->options_.host + ": " + ec.message());
            return;
          }
          asio::async_connect(c->socket, results,
                              [self, c](const boost::system::error_code& ec, const tcp::endpoint&) {
                                self->on_connect(c, ec);
                              });
        });
  }

  void write(std::string bytes) override {
    if (!conn_ || conn_->closing) return;
    conn_->queued += bytes;
    if (!conn_->writing) start_write(conn_);
  }

  void close() override {
    resolver_.cancel();
    auto c = std::exchange(conn_, nullptr);
    if (!c) return;
    c->closing = true;
    if (!c->writing) {
      finish_close(c);
      return;
    }
    c->linger.expires_after(linger);
    c->linger.async_wait([c](const boost::system::error_code& ec) {
      if (!ec) force_close(c);
    });
  }

  // SessionClock
  TimePoint now() const override { return std::chrono::steady_clock::now(); }

  void schedule(SessionTimer id, Duration delay) override {
    auto i = static_cast<std::size_t>(id);
    auto seq = ++timer_seq_[i];
    timers_[i].expires_after(delay);
    timers_[i].async_wait([self = shared_from_this(), id, i, seq](const boost::system::error_code& ec) {
      // A wait that completed just before a re-schedule still arrives without an error code;
      // the sequence number tells it apart.
      if (ec || self->shut_down_ || self->timer_seq_[i] != seq) return;
      self->session_.timer_fired(id);
    });
  }

  void cancel(SessionTimer id) override {
    auto i = static_cast<std::size_t>(id);
    ++timer_seq_[i];
    timers_[i].cancel();
  }

 private:
  // One TCP connection. Handlers hold it alive, so a connection the session has given up on
  // can still flush its last bytes while the next one is being made.
  struct Conn {
    explicit Conn(asio::io_context& io) : socket(io), linger(io) {}
    tcp::socket socket;
    asio::steady_timer linger;
    std::array<char, 16 * 1024> buffer{};
    std::string queued;
    std::string in_flight;
    bool writing = false;
    bool closing = false;
  };

  static std::array<asio::steady_timer, timer_count> make_timers(asio::io_context& io) {
    return {asio::steady_timer(io), asio::steady_timer(io), asio::steady_timer(io),
            asio::steady_timer(io), asio::steady_timer(io), asio::steady_timer(io)};
  }

  ComponentSession::Callbacks session_callbacks() {
    ComponentSession::Callbacks cb;
    cb.on_online = [this] {
      online_gauge_->set(1);
      if (callbacks_.on_online) callbacks_.on_online();
    };
    cb.on_stanza = [this](Element&& stanza) {
      if (int k = kind_index(stanza.name()); k >= 0) in_[static_cast<std::size_t>(k)]->inc();
      if (callbacks_.on_stanza) callbacks_.on_stanza(std::move(stanza));
    };
    cb.on_offline = [this](const std::string& reason) {
      online_gauge_->set(0);
      if (callbacks_.on_offline) callbacks_.on_offline(reason);
    };
    cb.on_stopped = [this] {
      if (auto done = std::exchange(stop_done_, {})) asio::post(io_, std::move(done));
    };
    return cb;
  }

  void on_connect(const std::shared_ptr<Conn>& c, const boost::system::error_code& ec) {
    if (shut_down_ || c != conn_) return;
    if (ec) {
      report_closed(c, options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
      return;
    }
    boost::system::error_code ignored;
    // Stanzas are small and latency matters more than packet count.
    c->socket.set_option(tcp::no_delay(true), ignored);
    c->socket.set_option(asio::socket_base::keep_alive(true), ignored);
    start_read(c);
    session_.connected();
  }

  void start_read(const std::shared_ptr<Conn>& c) {
    c->socket.async_read_some(
        asio::buffer(c->buffer), [self = shared_from_this(), c](const boost::system::error_code& ec, std::size_t n) {
          if (self->shut_down_ || c != self->conn_) return;
          if (ec) {
            self->report_closed(c, ec == asio::error::eof ? std::string("the server closed the connection")
                                                          : ec.message());
            return;
          }
          self->session_.received(std::string_view(c->buffer.data(), n));
          // The session may have closed this connection, or stop()ped, while reading.
          if (c == self->conn_ && !self->shut_down_) self->start_read(c);
        });
  }

  void start_write(const std::shared_ptr<Conn>& c) {
    c->writing = true;
    c->in_flight = std::exchange(c->queued, {});
    asio::async_write(c->socket, asio::buffer(c->in_flight),
                      [self = shared_from_this(), c](const boost::system::error_code& ec, std::size_t) {
                        c->writing = false;
                        // A burst (a big room's presences) can make this buffer megabytes
                        // long; keeping that capacity would pin the burst's size for good.
                        if (c->in_flight.capacity() > kept_write_buffer) std::string().swap(c->in_flight);
                        else c->in_flight.clear();
                        if (ec) {
                          if (!self->shut_down_ && c == self->conn_) self->report_closed(c, ec.message());
                          else force_close(c);
                          return;
                        }
                        if (!c->queued.empty()) {
                          self->start_write(c);
                        } else if (c->closing) {
                          finish_close(c);
                        }
                      });
  }

  // The connection ended on its own: tell the session once, and only for the current one.
  void report_closed(const std::shared_ptr<Conn>& c, std::string error) {
    if (c != conn_) return;
    conn_.reset();
    force_close(c);
    session_.closed(error);
  }

  static void finish_close(const std::shared_ptr<Conn>& c) {
    boost::system::error_code ignored;
    c->socket.shutdown(tcp::socket::shutdown_both, ignored);
    force_close(c);
  }

  static void force_close(const std::shared_ptr<Conn>& c) {
    boost::system::error_code ignored;
    c->linger.cancel();
    c->socket.close(ignored);
  }

  asio::io_context& io_;
  Options options_;
  Callbacks callbacks_;
  tcp::resolver resolver_;
  std::array<asio::steady_timer, timer_count> timers_;
  std::array<std::uint64_t, timer_count> timer_seq_{};
  ComponentSession session_;
  std::shared_ptr<Conn> conn_;
  std::function<void()> stop_done_;
  bool shut_down_ = false;
  std::uint64_t attempts_ = 0;
  Counter* reconnects_ = nullptr;
  Gauge* online_gauge_ = nullptr;
  std::array<Counter*, 3> in_{};
  std::array<Counter*, 3> out_{};
};

ComponentConnection::ComponentConnection(asio::io_context& io, Options options, Metrics& metrics,
                                         Callbacks callbacks)
    : impl_(std::make_shared<Impl>(io, std::move(options), metrics, std::move(callbacks))) {}

ComponentConnection::~ComponentConnection() { impl_->shutdown(); }

void ComponentConnection::start() { impl_->session().start(); }
void ComponentConnection::stop(std::function<void()> done) { impl_->stop(std::move(done)); }
bool ComponentConnection::send(const Element& stanza) { return impl_->send(stanza); }
bool ComponentConnection::send_raw(std::string_view stanza) { return impl_->send_raw(stanza); }
bool ComponentConnection::online() const { return impl_->session().online(); }
void ComponentConnection::ping(std::function<void(bool)> done) { impl_->session().ping(std::move(done)); }
std::string ComponentConnection::state_name() const {
  return std::string(ComponentSession::state_name(impl_->session().state()));
}
std::string ComponentConnection::last_error() const { return impl_->session().last_error(); }
const std::string& ComponentConnection::domain() const { return impl_->session().options().domain; }

}  // namespace junction::xmpp
