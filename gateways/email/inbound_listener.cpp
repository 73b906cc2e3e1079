#include "inbound_listener.hpp"

#include "util/log.hpp"

#include <array>

namespace junction::email {
namespace {
constexpr std::string_view kLog = "email";
using tcp = asio::ip::tcp;
}  // namespace

struct InboundListener::Connection : std::enable_shared_from_this<Connection>, ReplySink {
  using Registry = std::set<std::shared_ptr<Connection>>;

  Connection(tcp::socket s, const Options& options, LmtpSession::RecipientCheck check,
             LmtpSession::DeliveryHandler deliver, std::weak_ptr<Registry> registry)
      : socket(std::move(s)),
        timer(socket.get_executor()),
        idle(options.idle_timeout),
        registry(std::move(registry)),
        session(options.session, *this, std::move(check), std::move(deliver)) {}

  void start() {
    session.start();
    read();
  }

  void read() {
    arm_idle();
    socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->shut();
      self->session.feed(std::string_view(self->buffer.data(), n));
      if (!self->session.closed() && self->socket.is_open()) self->read();
    });
  }

  void arm_idle() {
    timer.expires_after(idle);
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->write("421 4.4.2 Idle for too long, closing\r\n");
        self->close();
      }
    });
  }

  void write(std::string_view bytes) override {
    pending.append(bytes);
    if (!writing) flush();
  }

  void close() override {
    closing = true;
    if (!writing && pending.empty()) asio::post(socket.get_executor(), [self = shared_from_this()] { self->shut(); });
  }

  void flush() {
    writing = true;
    in_flight.swap(pending);
    pending.clear();
    asio::async_write(socket, asio::buffer(in_flight),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing = false;
                        self->in_flight.clear();
                        if (ec) return self->shut();
                        if (!self->pending.empty()) return self->flush();
                        if (self->closing) self->shut();
                      });
  }

  // Ends the connection; the last handler holding a shared_ptr frees it.
  void shut() {
    if (done) return;
    done = true;
    boost::system::error_code ignored;
    timer.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    if (auto live = registry.lock()) live->erase(shared_from_this());
  }

  tcp::socket socket;
  asio::steady_timer timer;
  std::chrono::seconds idle;
  std::weak_ptr<Registry> registry;
  std::array<char, 16 * 1024> buffer{};
  std::string pending, in_flight;
  bool writing = false, closing = false, done = false;
  LmtpSession session;  // last: it is destroyed first, while the sink it writes to is whole
};

InboundListener::InboundListener(asio::io_context& io, Options options, LmtpSession::RecipientCheck check,
                                 LmtpSession::DeliveryHandler deliver)
    : io_(io),
      options_(std::move(options)),
      check_(std::move(check)),
      deliver_(std::move(deliver)),
      acceptor_(io),
      live_(std::make_shared<std::set<std::shared_ptr<Connection>>>()) {}

InboundListener::~InboundListener() { stop(); }

Result<void> InboundListener::start(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("inbound_listen must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return fail("inbound_listen: \"" + host + "\" is not an IP address");
  unsigned long port = std::stoul(listen.substr(colon + 1));
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail("cannot listen on " + listen + ": " + ec.message());
  }
  accept_next();
  return {};
}

void InboundListener::accept_next() {
  acceptor_.async_accept([this, live = std::weak_ptr(live_)](boost::system::error_code ec, tcp::socket socket) {
    auto registry = live.lock();
    if (!registry || !acceptor_.is_open()) return;
    if (!ec) {
      if (registry->size() >= options_.max_connections) {
        // Say why, so the MTA queues the mail instead of guessing.
        auto bye = std::make_shared<std::string>("421 4.3.2 Too many connections, try again later\r\n");
        auto s = std::make_shared<tcp::socket>(std::move(socket));
        asio::async_write(*s, asio::buffer(*bye), [s, bye](boost::system::error_code, std::size_t) {
          boost::system::error_code ignored;
          s->close(ignored);
        });
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto connection = std::make_shared<Connection>(std::move(socket), options_, check_, deliver_, registry);
        registry->insert(connection);
        connection->start();
      }
    } else if (ec != asio::error::operation_aborted) {
      log::warn(kLog, "inbound accept failed: {}", ec.message());
    }
    accept_next();
  });
}

void InboundListener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  auto connections = std::move(*live_);
  live_->clear();
  for (const auto& c : connections) c->shut();
}

unsigned short InboundListener::port() const {
  boost::system::error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

std::size_t InboundListener::connections() const { return live_->size(); }

}  // namespace junction::email
