#include "net/http_server.hpp"

#include "net/http_client.hpp"
#include "net/net_test_support.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

namespace junction::net {
namespace {

using namespace std::chrono_literals;
using testing::run_for;
using testing::run_until;

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServer::Options options = {}) {
    options.listen = "127.0.0.1:0";
    server.emplace(io, options);
    ASSERT_TRUE(server->start().has_value());
  }

  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + target;
  }

  Result<HttpClientResponse> fetch(HttpClientRequest request) {
    std::optional<Result<HttpClientResponse>> out;
    client.request(std::move(request), [&](Result<HttpClientResponse> r) { out = std::move(r); });
    EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
    if (!out) return fail("no answer");
    return std::move(*out);
  }

  Result<HttpClientResponse> get(const std::string& target) { return fetch({.method = "GET", .url = url(target)}); }

  asio::io_context io;
  CurlMulti multi{io};
  HttpClient client{multi};
  std::optional<HttpServer> server;
};

TEST(HttpRequestTest, ParseFormDecodesInOrderWithDuplicates) {
  auto fields = HttpRequest::parse_form("a=1&b=hello+world&a=2&c=%41%2b%zz&&flag&e=&=x");
  std::vector<std::pair<std::string, std::string>> want = {
      {"a", "1"}, {"b", "hello world"}, {"a", "2"}, {"c", "A+%zz"}, {"flag", ""}, {"e", ""}, {"", "x"}};
  EXPECT_EQ(fields, want);
  EXPECT_TRUE(HttpRequest::parse_form("").empty());
  EXPECT_EQ(HttpRequest::parse_form("k=%E2%9C%93%")[0].second, "\xE2\x9C\x93%");
}

TEST(HttpRequestTest, HeaderLookup) {
  HttpRequest r;
  r.headers = {{"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(r.header("x-a"), "1");
  EXPECT_EQ(r.header("x-b"), "");
}

TEST_F(HttpServerTest, GetWithQueryAndHeaders) {
  start();
  server->route("GET", "/hello", [](const HttpRequest& req, Responder respond) {
    HttpResponse r;
    r.body = req.method + " " + req.path + " " + req.query + " " + req.header("x-test") + " " + req.remote_address;
    r.headers.emplace_back("X-Reply", "yes");
    respond(std::move(r));
  });
  auto r = fetch({.method = "GET", .url = url("/hello?a=1"), .headers = {{"X-Test", "value"}}});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "GET /hello a=1 value 127.0.0.1");
  EXPECT_EQ(r->header("x-reply"), "yes");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, PostFormWithBasicAuth) {
  start();
  server->route("POST", "/form", [](const HttpRequest& req, Responder respond) {
    std::string out = req.header("authorization") + "|";
    for (const auto& [k, v] : HttpRequest::parse_form(req.body)) out += k + "=" + v + ";";
    respond({201, "text/plain", out, {}});
  });
  HttpClientRequest req{.method = "POST", .url = url("/form")};
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = form_encode({{"Body", "hi there & more"}, {"To", "+15550001111"}, {"Body", "100%"}});
  req.basic_user = "AC1";
  req.basic_password = "secret";
  auto r = fetch(req);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, "Basic QUMxOnNlY3JldA==|Body=hi there & more;To=+15550001111;Body=100%;");
}

TEST_F(HttpServerTest, NotFoundMethodNotAllowedAndHead) {
  start();
  server->route("GET", "/page", [](const HttpRequest&, Responder respond) { respond({200, "text/plain", "twelve bytes", {}}); });
  server->route("", "/any", [](const HttpRequest& req, Responder respond) { respond({200, "text/plain", req.method, {}}); });

  EXPECT_EQ(get("/nope")->status, 404);
  auto post = fetch({.method = "POST", .url = url("/page"), .body = "x"});
  ASSERT_TRUE(post.has_value());
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET");

  auto head = fetch({.method = "HEAD", .url = url("/page")});
  ASSERT_TRUE(head.has_value()) << head.error().message;
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->header("content-length"), "12");

  auto del = fetch({.method = "DELETE", .url = url("/any")});
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->body, "DELETE");

  server->remove_route("GET", "/page");
  EXPECT_EQ(get("/page")->status, 404);
}

TEST_F(HttpServerTest, BodyAndHeaderLimits) {
  start({.max_header_bytes = 2048, .max_body_bytes = 1000});
  server->route("POST", "/in", [](const HttpRequest& req, Responder respond) { respond({200, "text/plain", std::to_string(req.body.size()), {}}); });

  auto ok = fetch({.method = "POST", .url = url("/in"), .body = std::string(1000, 'a')});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->body, "1000");
  auto big = fetch({.method = "POST", .url = url("/in"), .body = std::string(200'000, 'a')});
  ASSERT_TRUE(big.has_value()) << big.error().message;
  EXPECT_EQ(big->status, 413);
  auto fat = fetch({.method = "POST", .url = url("/in"), .headers = {{"X-Big", std::string(4000, 'h')}}, .body = "x"});
  ASSERT_TRUE(fat.has_value()) << fat.error().message;
  EXPECT_EQ(fat->status, 431);
  // The server still serves after refusing.
  EXPECT_EQ(fetch({.method = "POST", .url = url("/in"), .body = "abc"})->body, "3");
}

TEST_F(HttpServerTest, AsyncResponderAfterDelay) {
  start();
  asio::steady_timer timer(io);
  server->route("POST", "/slow", [&](const HttpRequest& req, Responder respond) {
    timer.expires_after(100ms);
    timer.async_wait([respond, body = req.body](boost::system::error_code) { respond({202, "text/plain", "late " + body, {}}); });
  });
  auto r = fetch({.method = "POST", .url = url("/slow"), .body = "x"});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->body, "late x");
}

TEST_F(HttpServerTest, ResponderFromAnotherThread) {
  start();
  std::vector<std::thread> threads;
  server->route("GET", "/worker", [&](const HttpRequest&, Responder respond) {
    threads.emplace_back([respond] { respond({200, "text/plain", "from worker", {}}); });
  });
  auto r = get("/worker");
  for (auto& t : threads) t.join();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, "from worker");
}

TEST_F(HttpServerTest, HandlerTimeoutGives503AndLateRespondIsIgnored) {
  start({.handler_timeout = 150ms});
  Responder kept;
  server->route("GET", "/never", [&](const HttpRequest&, Responder respond) { kept = respond; });
  server->route("GET", "/ok", [](const HttpRequest&, Responder respond) { respond({200, "text/plain", "ok", {}}); });
  auto r = get("/never");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503);
  ASSERT_TRUE(kept);
  kept({200, "text/plain", "too late", {}});
  kept({200, "text/plain", "twice", {}});
  run_for(io, 50ms);
  EXPECT_EQ(get("/ok")->body, "ok");
}

TEST_F(HttpServerTest, ResponderAfterConnectionAndServerAreGone) {
  start();
  Responder kept;
  server->route("GET", "/hang", [&](const HttpRequest&, Responder respond) { kept = respond; });
  auto r = fetch({.method = "GET", .url = url("/hang"), .timeout = 200ms});
  ASSERT_FALSE(r.has_value());
  run_for(io, 50ms);
  kept({200, "text/plain", "nobody listens", {}});
  run_for(io, 50ms);
  // Again with the whole server destroyed first.
  auto late = fetch({.method = "GET", .url = url("/hang"), .timeout = 200ms});
  ASSERT_FALSE(late.has_value());
  server.reset();
  kept({200, "text/plain", "nobody at all", {}});
  run_for(io, 50ms);
}

TEST_F(HttpServerTest, StopClosesListenerAndConnections) {
  start();
  Responder kept;
  server->route("GET", "/hang", [&](const HttpRequest&, Responder respond) { kept = respond; });
  std::optional<Result<HttpClientResponse>> hanging;
  client.request({.method = "GET", .url = url("/hang")}, [&](Result<HttpClientResponse> r) { hanging = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return static_cast<bool>(kept); }));
  server->stop();
  ASSERT_TRUE(run_until(io, [&] { return hanging.has_value(); }));
  EXPECT_FALSE(hanging->has_value());
  EXPECT_FALSE(get("/hang").has_value());  // refused: nobody listens any more
  kept({200, "text/plain", "", {}});
  run_for(io, 20ms);
}

TEST_F(HttpServerTest, ManyConcurrentRequests) {
  start();
  server->route("GET", "/n", [](const HttpRequest& req, Responder respond) { respond({200, "text/plain", req.query, {}}); });
  constexpr int kCount = 300;
  int ok = 0, done = 0;
  for (int i = 0; i < kCount; ++i) {
    client.request({.method = "GET", .url = url("/n?" + std::to_string(i))}, [&, i](Result<HttpClientResponse> r) {
      ++done;
      if (r && r->status == 200 && r->body == std::to_string(i)) ++ok;
    });
  }
  ASSERT_TRUE(run_until(io, [&] { return done == kCount; }, 30s));
  EXPECT_EQ(ok, kCount);
}

// Raw-socket checks run the server's loop on a thread of its own and talk blocking TCP to it.
class HttpServerRawTest : public ::testing::Test {
 protected:
  void start(HttpServer::Options options) {
    options.listen = "127.0.0.1:0";
    server.emplace(io, options);
    server->route("GET", "/", [](const HttpRequest&, Responder respond) { respond({200, "text/plain", "hi", {}}); });
    ASSERT_TRUE(server->start().has_value());
    guard.emplace(asio::make_work_guard(io));
    loop = std::thread([this] { io.run(); });
  }

  void TearDown() override {
    if (!loop.joinable()) return;
    asio::post(io, [this] {
      server->stop();
      guard.reset();
    });
    loop.join();
  }

  asio::ip::tcp::socket connect() {
    asio::ip::tcp::socket s(client_io);
    s.connect({asio::ip::make_address("127.0.0.1"), server->port()});
    return s;
  }

  static std::string read_some(asio::ip::tcp::socket& s, boost::system::error_code& ec) {
    std::string out(8192, '\0');
    out.resize(s.read_some(asio::buffer(out), ec));
    return out;
  }

  asio::io_context io;
  asio::io_context client_io;
  std::optional<HttpServer> server;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::thread loop;
};

TEST_F(HttpServerRawTest, KeepAliveServesPipelinedRequestsOnOneConnection) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string got;
  boost::system::error_code ec;
  while (!ec && got.find("hi", got.find("hi") + 2) == std::string::npos) got += read_some(s, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(got.find("HTTP/1.1 200"), 0u);
  EXPECT_NE(got.find("HTTP/1.1 200", 10), std::string::npos);
}

TEST_F(HttpServerRawTest, IdleConnectionIsClosedAfterReadTimeout) {
  start({.read_timeout = 200ms});
  auto s = connect();
  auto began = std::chrono::steady_clock::now();
  boost::system::error_code ec;
  read_some(s, ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_GE(std::chrono::steady_clock::now() - began, 150ms);
}

TEST_F(HttpServerRawTest, ConnectionLimitRefusesExtraConnections) {
  start({.max_connections = 2});
  auto a = connect();
  auto b = connect();
  asio::write(a, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  asio::write(b, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  boost::system::error_code ec;
  EXPECT_NE(read_some(a, ec).find("200"), std::string::npos);
  EXPECT_NE(read_some(b, ec).find("200"), std::string::npos);
  auto c = connect();
  read_some(c, ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

TEST_F(HttpServerRawTest, MalformedRequestGets400) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  boost::system::error_code ec;
  EXPECT_EQ(read_some(s, ec).find("HTTP/1.1 400"), 0u);
}

}  // namespace
}  // namespace junction::net
