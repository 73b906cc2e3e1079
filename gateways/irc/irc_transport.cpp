#include "irc_transport.hpp"
#include "gateways/irc/client_certificate.hpp"

#include "util/asio.hpp"
#include <boost/asio/ssl.hpp>

#include "util/log.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <span>
#include <optional>

namespace junction::irc {
namespace {

using asio::ip::tcp;
namespace ssl = asio::ssl;

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0xF];
  }
  return out;
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &size) != 1) return {};
  return hex(md, size);
}

// Everything lives in a shared object kept alive by its pending handlers, so the Transport
// facade can be destroyed at any moment, even inside one of its own callbacks.
class Stream : public std::enable_shared_from_this<Stream> {
 public:
  explicit Stream(asio::io_context& io) : io_(io), resolver_(io), socket_(io) {}

  void connect(const NetworkConfig& network, const std::string& client_cert, Transport::Handlers handlers) {
    network_ = network;
    handlers_ = std::move(handlers);
    if (network_.tls) {
      if (auto error = setup_tls(client_cert)) {
        asio::post(io_, [self = shared_from_this(), error = *error] { self->report_closed(error); });
        return;
      }
    }
    resolver_.async_resolve(network_.host, std::to_string(network_.port),
                            [self = shared_from_this()](const boost::system::error_code& ec,
                                                        tcp::resolver::results_type results) {
                              self->on_resolved(ec, std::move(results));
                            });
  }

  void write(std::string bytes) {
    if (closed_) return;
    queued_ += bytes;
    // Lines produced while handling one event (several messages for this user in one read
    // from the XMPP server) leave in one send: the flush runs after the current handler
    // rather than costing a system call per line.
    if (!writing_) {
      writing_ = true;
      asio::post(io_, [self = shared_from_this()] { self->write_next(); });
    }
  }

  void when_flushed(std::function<void()> done) {
    if (closed_) return;
    if (!writing_) {
      asio::post(io_, [self = shared_from_this(), done = std::move(done)] {
        if (!self->closed_) done();
      });
      return;
    }
    flush_waiters_.push_back(std::move(done));
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    handlers_ = {};
    flush_waiters_.clear();
    resolver_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  std::optional<std::string> setup_tls(const std::string& client_cert) {
    tls_context_.emplace(ssl::context::tls_client);
    auto& ctx = *tls_context_;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3);
    boost::system::error_code ec;
    if (!client_cert.empty()) {
      // The user's own certificate comes as PEM text, the network's as a file name.
      const bool text = is_pem_text(client_cert);
      if (text) {
        ctx.use_certificate_chain(asio::buffer(client_cert), ec);
        if (!ec) ctx.use_private_key(asio::buffer(client_cert), ssl::context::pem, ec);
      } else {
        ctx.use_certificate_chain_file(client_cert, ec);
        if (!ec) ctx.use_private_key_file(client_cert, ssl::context::pem, ec);
      }
      if (ec) return "TLS: cannot load client certificate " + (text ? std::string("(yours)") : client_cert) + ": " + ec.message();
    }
    fingerprint_ = normalize_fingerprint(network_.fingerprint);
    if (!network_.fingerprint.empty() && fingerprint_.empty())
      return "TLS: the configured fingerprint is not a SHA-256 hex digest";
    if (!fingerprint_.empty() || !network_.verify) {
      // The pin (checked after the handshake) replaces the CA chain; verify=false trusts anyone.
      ctx.set_verify_mode(ssl::verify_none);
      if (fingerprint_.empty())
        log::warn("irc", "{}: TLS certificate verification disabled for {}", network_.alias, network_.host);
    } else {
      ctx.set_default_verify_paths(ec);
      if (ec) log::warn("irc", "cannot load the system CA bundle: {}", ec.message());
      ctx.set_verify_mode(ssl::verify_peer);
    }
    tls_.emplace(socket_, ctx);
    if (fingerprint_.empty() && network_.verify) {
      ssl::host_name_verification check(network_.host);
      tls_->set_verify_callback([this, check](bool preverified, ssl::verify_context& vctx) mutable {
        bool ok = check(preverified, vctx);
        if (preverified && !ok) host_mismatch_ = true;
        return ok;
      });
    }
    boost::system::error_code not_ip;
    asio::ip::make_address(network_.host, not_ip);
    // SNI carries host names only; an IP literal there is a protocol violation.
    if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), network_.host.c_str()))
      return "TLS: cannot set the server name " + network_.host;
    return std::nullopt;
  }

  void on_resolved(const boost::system::error_code& ec, tcp::resolver::results_type results) {
    if (closed_) return;
    if (ec) return report_closed("DNS lookup of " + network_.host + " failed: " + ec.message());
    // async_connect tries every address (IPv6 and IPv4) in turn and reports the last error.
    asio::async_connect(socket_, results,
                        [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
                          self->on_tcp_connected(ec);
                        });
  }

  void on_tcp_connected(const boost::system::error_code& ec) {
    if (closed_) return;
    if (ec) return report_closed("cannot connect to " + network_.host + ":" + std::to_string(network_.port) + ": " +
                                 ec.message());
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.set_option(asio::socket_base::keep_alive(true), ignored);
    socket_.non_blocking(true, ignored);  // read_some after async_wait must never block the loop
    if (!tls_) return on_ready();
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](const boost::system::error_code& ec) { self->on_handshake(ec); });
  }

  void on_handshake(const boost::system::error_code& ec) {
    if (closed_) return;
    if (ec) {
      std::string detail = ec.message();
      long verify = SSL_get_verify_result(tls_->native_handle());
      if (host_mismatch_) detail = "certificate does not match host name " + network_.host;
      else if (verify != X509_V_OK) detail = std::string("certificate not trusted: ") + X509_verify_cert_error_string(verify);
      return report_closed("TLS handshake with " + network_.host + " failed: " + detail);
    }
    if (!fingerprint_.empty()) {
      X509* cert = SSL_get1_peer_certificate(tls_->native_handle());
      std::string actual = sha256_fingerprint(cert);
      X509_free(cert);
      if (actual != fingerprint_)
        return report_closed("TLS: certificate fingerprint mismatch (server presented sha256 " + actual + ")");
    }
    on_ready();
  }

  void on_ready() {
    if (handlers_.on_connected) handlers_.on_connected();
    if (!closed_) read_next();
  }

  // Plain TCP waits for readability and then reads into one buffer shared by every
  // connection of the thread: ten thousand mostly idle connections should not each keep a
  // read buffer. TLS needs its own, since OpenSSL reads ahead into the stream.
  static std::span<char> shared_read_buffer() {
    thread_local std::array<char, 16384> buffer;
    return buffer;
  }

  void read_next() {
    if (tls_) {
      if (!tls_read_buffer_) tls_read_buffer_ = std::make_unique<std::array<char, 4096>>();
      tls_->async_read_some(asio::buffer(*tls_read_buffer_),
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                              self->on_read(ec, std::string_view(self->tls_read_buffer_->data(), n));
                            });
      return;
    }
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
      if (self->closed_) return;
      if (ec) return self->on_read(ec, {});
      auto buffer = shared_read_buffer();
      boost::system::error_code read_ec;
      std::size_t n = self->socket_.read_some(asio::buffer(buffer.data(), buffer.size()), read_ec);
      if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) return self->read_next();
      self->on_read(read_ec, std::string_view(buffer.data(), n));
    });
  }

  void on_read(const boost::system::error_code& ec, std::string_view data) {
    if (closed_) return;
    if (ec) {
      bool clean = ec == asio::error::eof || ec == ssl::error::stream_truncated;
      return report_closed(clean ? "connection closed by the server" : "read error: " + ec.message());
    }
    if (handlers_.on_data) handlers_.on_data(data);
    if (!closed_) read_next();
  }

  void write_next() {
    if (closed_) return;
    in_flight_.clear();
    in_flight_.swap(queued_);
    auto done = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->report_closed("write error: " + ec.message());
      if (!self->queued_.empty()) return self->write_next();
      self->writing_ = false;
      auto waiters = std::move(self->flush_waiters_);
      self->flush_waiters_.clear();
      for (auto& waiter : waiters) {
        if (self->closed_) return;
        waiter();
      }
    };
    if (tls_) asio::async_write(*tls_, asio::buffer(in_flight_), std::move(done));
    else asio::async_write(socket_, asio::buffer(in_flight_), std::move(done));
  }

  void report_closed(const std::string& reason) {
    if (closed_) return;
    auto on_closed = std::move(handlers_.on_closed);
    close();
    if (on_closed) on_closed(reason);
  }

  asio::io_context& io_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<ssl::context> tls_context_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  NetworkConfig network_;
  Transport::Handlers handlers_;
  std::string fingerprint_;
  bool host_mismatch_ = false;
  bool closed_ = false;
  std::unique_ptr<std::array<char, 4096>> tls_read_buffer_;
  std::string queued_, in_flight_;  // lines waiting; lines being written
  bool writing_ = false;             // a write is posted or in progress
  std::vector<std::function<void()>> flush_waiters_;
};

class AsioTransport final : public Transport {
 public:
  explicit AsioTransport(asio::io_context& io) : stream_(std::make_shared<Stream>(io)) {}
  ~AsioTransport() override { stream_->close(); }
  void connect(const NetworkConfig& network, const std::string& client_cert, Handlers handlers) override {
    stream_->connect(network, client_cert, std::move(handlers));
  }
  void write(std::string bytes) override { stream_->write(std::move(bytes)); }
  void when_flushed(std::function<void()> done) override { stream_->when_flushed(std::move(done)); }
  void close() override { stream_->close(); }

 private:
  std::shared_ptr<Stream> stream_;
};

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : state_(std::make_shared<State>(io)) {}
  ~AsioTimer() override { cancel(); }

  void start(Clock::duration delay, std::function<void()> callback) override {
    auto& s = *state_;
    s.callback = std::move(callback);
    s.armed = true;
    s.timer.expires_after(delay);
    // The generation tells a wait that was cancelled (or replaced) from the current one, even
    // when its completion was already queued.
    s.timer.async_wait([state = state_, generation = ++s.generation](const boost::system::error_code& ec) {
      if (ec || state->generation != generation || !state->armed) return;
      state->armed = false;
      auto callback = std::move(state->callback);
      callback();
    });
  }

  void cancel() override {
    state_->armed = false;
    ++state_->generation;
    state_->callback = nullptr;
    state_->timer.cancel();
  }

  bool armed() const override { return state_->armed; }

 private:
  struct State {
    explicit State(asio::io_context& io) : timer(io) {}
    asio::steady_timer timer;
    std::uint64_t generation = 0;
    bool armed = false;
    std::function<void()> callback;
  };
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Transport> make_asio_transport(asio::io_context& io) { return std::make_unique<AsioTransport>(io); }

std::unique_ptr<Timer> make_asio_timer(asio::io_context& io) { return std::make_unique<AsioTimer>(io); }

IrcEnvironment asio_environment(asio::io_context& io) {
  return IrcEnvironment{[&io] { return make_asio_transport(io); }, [&io] { return make_asio_timer(io); },
                        &real_clock()};
}

std::string normalize_fingerprint(std::string_view fingerprint) {
  std::string out;
  for (char c : fingerprint) {
    if (c == ':' || c == ' ') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!is_hex) return {};
    out += c;
  }
  return out.size() == 64 ? out : std::string();
}

}  // namespace junction::irc
