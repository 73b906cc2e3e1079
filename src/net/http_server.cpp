#include "net/http_server.hpp"

#include "util/log.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <unordered_set>

namespace junction::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kLog = "http";
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr std::size_t kLingerBytes = 256 * 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);  // a stray '%' is kept as sent rather than rejecting the whole form
    }
  }
  return out;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::vector<std::pair<std::string, std::string>> HttpRequest::parse_form(std::string_view encoded) {
  std::vector<std::pair<std::string, std::string>> fields;
  while (!encoded.empty()) {
    auto amp = encoded.find('&');
    std::string_view part = encoded.substr(0, amp);
    encoded = amp == std::string_view::npos ? std::string_view() : encoded.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      fields.emplace_back(form_decode(part), std::string());
    } else {
      fields.emplace_back(form_decode(part.substr(0, eq)), form_decode(part.substr(eq + 1)));
    }
  }
  return fields;
}

namespace {

class Session;

struct ServerState : std::enable_shared_from_this<ServerState> {
  asio::io_context& io;
  HttpServer::Options options;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  // path -> method ("" = any) -> handler
  std::map<std::string, std::map<std::string, HttpHandler>> routes;
  std::unordered_set<Session*> sessions;
  unsigned short port = 0;
  bool running = false;

  ServerState(asio::io_context& i, HttpServer::Options o)
      : io(i), options(std::move(o)), acceptor(i), accept_retry(i) {}

  void accept();
};

// Shared between a request's Responder and its session, so a respond() that comes late, twice,
// from another thread, or after the connection is gone is harmless.
struct Pending {
  asio::io_context& io;
  std::weak_ptr<Session> session;
  bool answered = false;  // touched on the loop only
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<ServerState> server, tcp::socket socket)
      : server_(std::move(server)), stream_(std::move(socket)), handler_timer_(server_->io) {
    boost::system::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    server_->sessions.insert(this);
  }

  ~Session() { server_->sessions.erase(this); }

  void start() { read_next(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    handler_timer_.cancel();
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  // The first answer to the current request (from the handler, or the 503 of the timeout).
  void answer(HttpResponse r) {
    handler_timer_.cancel();
    pending_.reset();
    if (closed_) return;
    int status = std::clamp(r.status, 100, 999);
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::server, "junction");
    if (!r.content_type.empty() && !has_line_break(r.content_type)) res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) {
      // A header carrying CR/LF would let a handler's data split the response.
      if (name.empty() || has_line_break(name) || has_line_break(value)) continue;
      res.insert(name, value);
    }
    res.body() = std::move(r.body);
    write(std::move(res));
  }

 private:
  void read_next() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(server_->options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(server_->options.max_body_bytes));
    stream_.expires_after(server_->options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream) return close();
    if (ec == http::error::header_limit) return fail_request(http::status::request_header_fields_too_large);
    if (ec == http::error::body_limit) return fail_request(http::status::payload_too_large);
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::partial_message) {
      return fail_request(http::status::bad_request);
    }
    if (ec) {
      log::debug(kLog, "{}: read: {}", remote_, ec.message());
      return close();
    }
    stream_.expires_never();
    dispatch();
  }

  void dispatch() {
    auto& msg = parser_->get();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    head_ = msg.method() == http::verb::head;

    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : msg) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers.emplace(std::move(name), std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.remote_address = remote_;

    auto path_it = server_->routes.find(req.path);
    if (path_it == server_->routes.end()) return answer({404, "text/plain; charset=utf-8", "not found\n", {}});
    const auto& methods = path_it->second;
    auto find = [&methods](const std::string& m) {
      auto it = methods.find(m);
      return it == methods.end() ? HttpHandler() : it->second;
    };
    // A copy: the handler may remove its own route.
    HttpHandler handler = find(req.method);
    if (!handler) handler = find("");
    if (!handler && head_) handler = find("GET");
    if (!handler) {
      std::string allow;
      for (const auto& [m, h] : methods) allow += (allow.empty() ? "" : ", ") + m;
      return answer({405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", allow}}});
    }

    auto pending = std::make_shared<Pending>(Pending{server_->io, weak_from_this(), false});
    pending_ = pending;
    handler_timer_.expires_after(server_->options.handler_timeout);
    // The strong reference keeps the session alive while the handler works.
    handler_timer_.async_wait([self = shared_from_this(), pending](boost::system::error_code ec) {
      if (ec || pending->answered) return;
      pending->answered = true;
      log::warn(kLog, "handler did not answer in time");
      self->answer({503, "text/plain; charset=utf-8", "handler timeout\n", {}});
    });

    Responder respond = [pending](HttpResponse r) {
      asio::post(pending->io, [pending, r = std::move(r)]() mutable {
        if (pending->answered) return;
        pending->answered = true;
        if (auto s = pending->session.lock()) s->answer(std::move(r));
      });
    };
    try {
      handler(req, std::move(respond));
    } catch (const std::exception& e) {
      log::error(kLog, "handler for {} {} threw: {}", req.method, req.path, e.what());
      if (!pending->answered) {
        pending->answered = true;
        answer({500, "text/plain; charset=utf-8", "internal error\n", {}});
      }
    }
  }

  void fail_request(http::status status) {
    keep_alive_ = false;
    head_ = false;
    HttpResponse r;
    r.status = static_cast<int>(status);
    r.body = std::string(http::obsolete_reason(status)) + "\n";
    answer(std::move(r));
  }

  void write(http::response<http::string_body> res) {
    res.keep_alive(keep_alive_ && server_->running);
    res.prepare_payload();
    res_ = std::move(res);
    stream_.expires_after(server_->options.read_timeout);
    auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); };
    if (head_) {
      // Content-Length stays the GET body's size; only the header goes out.
      serializer_.emplace(res_);
      http::async_write_header(stream_, *serializer_, std::move(on_written));
    } else {
      http::async_write(stream_, res_, std::move(on_written));
    }
  }

  void on_written(beast::error_code ec) {
    serializer_.reset();
    if (closed_) return;
    if (ec) {
      log::debug(kLog, "{}: write: {}", remote_, ec.message());
      return close();
    }
    if (!res_.keep_alive()) return linger();
    read_next();
  }

  // Closing with unread request bytes makes the kernel send RST, which can destroy the
  // response the client has not read yet (a 413, say): half-close, drain, then close.
  void linger() {
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kLingerTime);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->closed_ || self->drained_ > kLingerBytes) return self->close();
      self->drain();
    });
  }

  std::shared_ptr<ServerState> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  asio::steady_timer handler_timer_;
  std::shared_ptr<Pending> pending_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  std::string remote_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool closed_ = false;
};

void ServerState::accept() {
  acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
    if (!self->running) return;
    if (ec) {
      // Out of descriptors, typically: back off instead of spinning on the same error.
      log::warn(kLog, "accept: {}", ec.message());
      self->accept_retry.expires_after(std::chrono::milliseconds(100));
      self->accept_retry.async_wait([self](boost::system::error_code e) {
        if (!e && self->running) self->accept();
      });
      return;
    }
    if (self->sessions.size() >= self->options.max_connections) {
      log::warn(kLog, "connection limit ({}) reached, refusing a connection", self->options.max_connections);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(self, std::move(socket))->start();
    }
    self->accept();
  });
}

}  // namespace

struct HttpServer::Impl : ServerState {
  using ServerState::ServerState;
};

HttpServer::HttpServer(asio::io_context& io, Options options) : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(std::string method, std::string path, HttpHandler handler) {
  impl_->routes[std::move(path)][std::move(method)] = std::move(handler);
}

void HttpServer::remove_route(const std::string& method, const std::string& path) {
  auto it = impl_->routes.find(path);
  if (it == impl_->routes.end()) return;
  it->second.erase(method);
  if (it->second.empty()) impl_->routes.erase(it);
}

Result<void> HttpServer::start() {
  const std::string& listen = impl_->options.listen;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return fail("http listen address '" + listen + "' has no port");
  std::string host = listen.substr(0, colon);
  std::string port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    unsigned long n = 0;
    try {
      n = std::stoul(port);
    } catch (const std::exception&) {
      n = 70000;
    }
    if (n > 65535) return fail("http listen address '" + listen + "' has a bad port");
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(n));
  } else {
    // A host name: resolved once, at start-up, where blocking is acceptable.
    tcp::resolver resolver(impl_->io);
    auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) return fail("cannot resolve http listen address '" + listen + "': " + ec.message());
    endpoint = results.begin()->endpoint();
  }

  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return fail("cannot listen on " + listen + ": " + ec.message());
  }
  impl_->port = acceptor.local_endpoint(ec).port();
  impl_->running = true;
  impl_->accept();
  log::info(kLog, "listening on {}:{}", endpoint.address().to_string(), impl_->port);
  return {};
}

void HttpServer::stop() {
  if (!impl_) return;
  impl_->running = false;
  boost::system::error_code ec;
  impl_->acceptor.close(ec);
  impl_->accept_retry.cancel();
  std::vector<std::weak_ptr<Session>> live;
  for (Session* s : impl_->sessions) live.push_back(s->weak_from_this());
  for (auto& w : live) {
    if (auto s = w.lock()) s->close();
  }
}

unsigned short HttpServer::port() const { return impl_->port; }

}  // namespace junction::net
