#include "xmpp/component_connection.hpp"

#include "xmpp/handshake.hpp"

#include <gtest/gtest.h>

#include <exception>

namespace junction::xmpp {
namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

ComponentConnection::Options options_for(std::uint16_t port) {
  ComponentConnection::Options o;
  o.name = "irc";
  o.host = "127.0.0.1";
  o.port = port;
  o.session.domain = "irc.example.org";
  o.session.secret = "s3cr3t";
  o.session.backoff_base = 20ms;
  o.session.backoff_max = 50ms;
  o.session.jitter = [] { return 0.0; };
  return o;
}

// A component listener as an XMPP server would run it, scripted: two connections, the first
// echoes one message then drops; the second stays until the component closes the stream.
asio::awaitable<void> scripted_server(tcp::acceptor& acceptor, std::vector<std::string>& problems) {
  using asio::use_awaitable;
  for (int round = 1; round <= 2; ++round) {
    tcp::socket sock = co_await acceptor.async_accept(use_awaitable);
    std::string buf;
    std::size_t n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "'>", use_awaitable);
    if (buf.substr(0, n).find("to='irc.example.org'") == std::string::npos) problems.push_back("header: " + buf);
    buf.erase(0, n);
    std::string id = "stream-" + std::to_string(round);
    co_await asio::async_write(
        sock,
        asio::buffer("<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
                     "xmlns='jabber:component:accept' from='irc.example.org' id='" + id + "'>"),
        use_awaitable);
    n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "</handshake>", use_awaitable);
    if (buf.substr(0, n) != "<handshake>" + handshake_digest(id, "s3cr3t") + "</handshake>")
      problems.push_back("handshake: " + buf.substr(0, n));
    buf.erase(0, n);
    co_await asio::async_write(sock, asio::buffer(std::string("<handshake/>")), use_awaitable);
    if (round == 1) {
      n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "</message>", use_awaitable);
      if (buf.find("<body>hello</body>") == std::string::npos) problems.push_back("message: " + buf);
      co_await asio::async_write(
          sock, asio::buffer(std::string("<message from='bob@example.org/x' to='irc.example.org'><body>echo</body></message>")),
          use_awaitable);
      sock.close();  // the server goes away without a word
    } else {
      n = co_await asio::async_read_until(sock, asio::dynamic_buffer(buf), "</stream:stream>", use_awaitable);
      co_await asio::async_write(sock, asio::buffer(std::string("</stream:stream>")), use_awaitable);
    }
  }
}

TEST(ComponentConnection, HandshakeEchoReconnectAndStop) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::vector<std::string> problems;
  asio::co_spawn(io, scripted_server(acceptor, problems), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      problems.push_back(std::string("server: ") + ex.what());
    }
  });

  Metrics metrics;
  int onlines = 0;
  bool stopped = false;
  std::vector<Element> received;
  std::vector<std::string> offline;
  std::unique_ptr<ComponentConnection> conn;
  ComponentConnection::Callbacks cb;
  cb.on_online = [&] {
    ++onlines;
    if (onlines == 1) {
      Element msg("message");
      msg.set_attr("from", "alice%libera@irc.example.org");
      msg.set_attr("to", "bob@example.org");
      msg.add_child("body").set_text("hello");
      EXPECT_TRUE(conn->send(msg));
    } else {
      conn->stop([&] {
        stopped = true;
        io.stop();
      });
    }
  };
  cb.on_stanza = [&](Element&& e) { received.push_back(std::move(e)); };
  cb.on_offline = [&](const std::string& reason) { offline.push_back(reason); };
  conn = std::make_unique<ComponentConnection>(io, options_for(acceptor.local_endpoint().port()), metrics, cb);
  EXPECT_FALSE(conn->send(Element("message")));
  conn->start();
  io.run_for(5s);

  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(onlines, 2);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].child_text("body"), "echo");
  ASSERT_EQ(offline.size(), 2u);
  EXPECT_EQ(offline[1], "shutting down");
  EXPECT_EQ(conn->state_name(), "stopped");
  EXPECT_FALSE(conn->online());

  Labels gw{{"gateway", "irc"}};
  Labels msg{{"gateway", "irc"}, {"kind", "message"}};
  EXPECT_EQ(metrics.counter("junction_xmpp_reconnects_total", "", gw).value(), 1u);
  EXPECT_EQ(metrics.counter("junction_xmpp_stanzas_out_total", "", msg).value(), 1u);
  EXPECT_EQ(metrics.counter("junction_xmpp_stanzas_in_total", "", msg).value(), 1u);
  EXPECT_EQ(metrics.gauge("junction_xmpp_stream_online", "", gw).value(), 0.0);
}

TEST(ComponentConnection, NothingListeningKeepsRetrying) {
  asio::io_context io;
  std::uint16_t port;
  {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  Metrics metrics;
  ComponentConnection conn(io, options_for(port), metrics, {});
  conn.start();
  io.run_for(300ms);
  EXPECT_FALSE(conn.online());
  EXPECT_NE(conn.last_error().find("could not connect"), std::string::npos) << conn.last_error();
  EXPECT_GE(metrics.counter("junction_xmpp_reconnects_total", "", {{"gateway", "irc"}}).value(), 2u);
  bool done = false;
  conn.stop([&] { done = true; });
  io.restart();
  io.run_for(100ms);
  EXPECT_TRUE(done);
  EXPECT_EQ(conn.state_name(), "stopped");
}

TEST(ComponentConnection, DestroyedWhileConnecting) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Metrics metrics;
  {
    ComponentConnection conn(io, options_for(acceptor.local_endpoint().port()), metrics, {});
    conn.start();
    io.run_for(50ms);
  }
  io.restart();
  io.run_for(50ms);  // late handlers must find nothing to touch
}

}  // namespace
}  // namespace junction::xmpp
