#include "net/http_client.hpp"

#include "net/http_server.hpp"
#include "net/net_test_support.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <optional>

namespace junction::net {
namespace {

using namespace std::chrono_literals;
using testing::run_for;
using testing::run_until;
using tcp = asio::ip::tcp;

// Accepts connections and never says a word.
struct SilentServer {
  explicit SilentServer(asio::io_context& io) : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) { accept(); }
  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket s) {
      if (ec) return;
      sockets.push_back(std::move(s));
      accept();
    });
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/"; }
  tcp::acceptor acceptor;
  std::vector<tcp::socket> sockets;
};

TEST(UrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(form_encode({{"To", "+1 555"}, {"Body", "a&b=c"}, {"To", ""}}), "To=%2B1+555&Body=a%26b%3Dc&To=");
  EXPECT_EQ(form_encode({}), "");
  EXPECT_EQ(HttpRequest::parse_form(form_encode({{"k y", "v+ %&"}}))[0], std::make_pair(std::string("k y"), std::string("v+ %&")));
}

TEST(HttpClientTest, TimesOutAgainstSilentServer) {
  asio::io_context io;
  SilentServer silent(io);
  CurlMulti multi(io);
  HttpClient client(multi);
  std::optional<Result<HttpClientResponse>> out;
  auto began = std::chrono::steady_clock::now();
  client.request({.url = silent.url(), .timeout = 300ms}, [&](Result<HttpClientResponse> r) { out = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return out.has_value(); }));
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_FALSE(out->has_value());
  EXPECT_NE(out->error().message.find("imed out"), std::string::npos) << out->error().message;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
}

TEST(HttpClientTest, ConnectionRefused) {
  asio::io_context io;
  unsigned short port;
  {
    tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  CurlMulti multi(io);
  HttpClient client(multi);
  std::optional<Result<HttpClientResponse>> out;
  client.request({.url = "http://127.0.0.1:" + std::to_string(port) + "/x?password=secret"},
                 [&](Result<HttpClientResponse> r) { out = std::move(r); });
  EXPECT_FALSE(out.has_value()) << "done must not run inside request()";
  ASSERT_TRUE(run_until(io, [&] { return out.has_value(); }));
  ASSERT_FALSE(out->has_value());
  EXPECT_EQ(out->error().message.find("secret"), std::string::npos) << out->error().message;
}

TEST(HttpClientTest, DestructionCancelsPendingRequests) {
  asio::io_context io;
  SilentServer silent(io);
  CurlMulti multi(io);
  int calls = 0;
  bool failed = false;
  {
    HttpClient client(multi);
    client.request({.url = silent.url()}, [&](Result<HttpClientResponse> r) {
      ++calls;
      failed = !r.has_value();
    });
    run_until(io, [&] { return !silent.sockets.empty(); });
  }
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(failed);
  EXPECT_EQ(multi.active(), 0u);
  run_for(io, 50ms);
  EXPECT_EQ(calls, 1);
}

TEST(HttpClientTest, MultiDestructionCancelsToo) {
  asio::io_context io;
  SilentServer silent(io);
  int calls = 0;
  {
    CurlMulti multi(io);
    HttpClient client(multi);
    for (int i = 0; i < 3; ++i) client.request({.url = silent.url()}, [&](Result<HttpClientResponse> r) { calls += r ? 100 : 1; });
    run_for(io, 50ms);
    client.cancel_all();
    EXPECT_EQ(calls, 3);
  }
  run_for(io, 20ms);
  EXPECT_EQ(calls, 3);
}

TEST(HttpClientTest, ResolvesHostNamesAndCapsResponseSize) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  asio::io_context io;
  HttpServer server(io, {.listen = "127.0.0.1:0"});
  server.route("GET", "/big", [](const HttpRequest&, Responder respond) { respond({200, "text/plain", std::string(5000, 'x'), {}}); });
  ASSERT_TRUE(server.start().has_value());
  CurlMulti multi(io, {.max_host_connections = 2});
  HttpClient client(multi, {.max_response_bytes = 4096});
  // The host name goes through curl's threaded resolver, whose wake-up descriptor curl
  // makes itself; "localhost" would be answered inside curl without it.
  std::optional<Result<HttpClientResponse>> out;
  auto port = std::to_string(server.port());
  client.request({.url = "http://" + std::string(host) + ":" + port + "/big"}, [&](Result<HttpClientResponse> r) { out = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return out.has_value(); }));
  ASSERT_FALSE(out->has_value());
  if (out->error().message.find("resolve") != std::string::npos) {
    GTEST_SKIP() << "host name " << host << " is not resolvable here";
  }
  EXPECT_NE(out->error().message.find("over 4096"), std::string::npos) << out->error().message;

  HttpClient roomy(multi);
  out.reset();
  roomy.request({.url = "http://" + std::string(host) + ":" + port + "/big"}, [&](Result<HttpClientResponse> r) { out = std::move(r); });
  ASSERT_TRUE(run_until(io, [&] { return out.has_value(); }));
  ASSERT_TRUE(out->has_value()) << out->error().message;
  EXPECT_EQ((*out)->body.size(), 5000u);
}

}  // namespace
}  // namespace junction::net
