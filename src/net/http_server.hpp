#pragma once
// The HTTP listener (Boost.Beast, on the shared io_context): /healthz, /metrics and the
// gateways' webhook routes. Handlers answer asynchronously: a webhook stores its message on a
// worker before it calls `respond`, so the provider gets its 2xx only after the data is safe.
// Limits: header and body sizes, read and idle timeouts, connections at once.
#include "util/asio.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace junction::net {

struct HttpRequest {
  std::string method;  // "GET", "POST"...
  std::string target;  // path + query as received ("/webhooks/sms/inbound?token=x")
  std::string path;    // without the query
  std::string query;   // without the '?'
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string remote_address;

  std::string header(const std::string& lower_name) const;  // first value or ""
  // application/x-www-form-urlencoded body or query string, decoded; keeps every value in order.
  static std::vector<std::pair<std::string, std::string>> parse_form(std::string_view encoded);
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(const HttpRequest&, Responder)>;

class HttpServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:8480";  // host:port; port 0 picks a free one
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds read_timeout{10'000};
    std::chrono::milliseconds handler_timeout{30'000};  // no respond() by then -> 503
    std::size_t max_connections = 1024;
  };

  HttpServer(asio::io_context& io, Options options);
  ~HttpServer();

  // Exact path match; method "" matches any method. Later registrations of the same
  // method+path replace earlier ones. Unknown path -> 404, known path wrong method -> 405.
  void route(std::string method, std::string path, HttpHandler handler);
  void remove_route(const std::string& method, const std::string& path);

  Result<void> start();  // binds and listens
  void stop();
  unsigned short port() const;  // the bound port (after start)

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace junction::net
