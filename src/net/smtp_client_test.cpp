#include "net/smtp_client.hpp"

#include "net/net_test_support.hpp"

#include <gtest/gtest.h>

// Boost 1.74's awaitable frame pairs a sized operator delete with its own operator new in a
// way GCC 12 flags at every coroutine; the frames are allocated and freed by Asio alone.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <functional>
#include <optional>

namespace junction::net {
namespace {

using namespace std::chrono_literals;
using testing::run_until;
using tcp = asio::ip::tcp;

// What the scripted relay answers at the points a test wants to vary.
struct Script {
  std::string rcpt_reply = "250 2.1.5 Ok";
  std::string data_reply = "354 End data with <CR><LF>.<CR><LF>";
  std::string end_reply = "250 2.0.0 Ok: queued as 4F2A";
  std::chrono::milliseconds end_delay{0};  // a relay that scans the message before answering
};

// What the relay saw.
struct Seen {
  std::string ehlo;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::optional<std::string> data;  // as on the wire, dot-stuffed, without the final ".\r\n"
  bool quit = false;
};

asio::awaitable<void> say(tcp::socket& socket, std::string line) {
  line += "\r\n";
  co_await asio::async_write(socket, asio::buffer(line), asio::use_awaitable);
}

asio::awaitable<void> relay(tcp::acceptor& acceptor, Script script, Seen& seen) {
  try {
    auto socket = co_await acceptor.async_accept(asio::use_awaitable);
    std::string buf;
    co_await say(socket, "220 relay.test ESMTP");
    for (;;) {
      std::size_t n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buf), "\r\n", asio::use_awaitable);
      std::string line = buf.substr(0, n - 2);
      buf.erase(0, n);
      std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        seen.ehlo = line;
        co_await say(socket, "250 relay.test");
      } else if (verb == "MAIL") {
        seen.mail_from = line;
        co_await say(socket, "250 2.1.0 Ok");
      } else if (verb == "RCPT") {
        seen.rcpt_to.push_back(line);
        co_await say(socket, script.rcpt_reply);
      } else if (verb == "DATA") {
        co_await say(socket, script.data_reply);
        if (!script.data_reply.starts_with("354")) continue;
        // The end marker is the CRLF that ends the last line plus ".\r\n".
        n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buf), "\r\n.\r\n", asio::use_awaitable);
        seen.data = buf.substr(0, n - 3);
        buf.erase(0, n);
        if (script.end_delay.count() > 0) {
          asio::steady_timer pause(socket.get_executor(), script.end_delay);
          co_await pause.async_wait(asio::use_awaitable);
        }
        co_await say(socket, script.end_reply);
      } else if (verb == "RSET" || verb == "NOOP") {
        co_await say(socket, "250 2.0.0 Ok");
      } else if (verb == "QUIT") {
        seen.quit = true;
        co_await say(socket, "221 2.0.0 Bye");
        co_return;
      } else {
        co_await say(socket, "502 5.5.2 Error: command not recognized");
      }
    }
  } catch (const boost::system::system_error&) {
    // The client hung up: what it sent is already recorded.
  }
}

class SmtpClientTest : public ::testing::Test {
 protected:
  std::string serve(Script script) {
    asio::co_spawn(io, relay(acceptor, std::move(script), seen), asio::detached);
    return "smtp://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  }

  SmtpOutcome submit(SmtpSubmission sub) {
    std::optional<SmtpOutcome> out;
    client.send(std::move(sub), [&](SmtpOutcome r) { out = std::move(r); });
    EXPECT_FALSE(out.has_value()) << "done must not run inside send()";
    EXPECT_TRUE(run_until(io, [&] { return out.has_value(); }));
    if (!out) return std::unexpected(SmtpError{{"no answer"}, SmtpFailure::transient, 0});
    return std::move(*out);
  }

  static SmtpSubmission submission(std::string url) {
    SmtpSubmission s;
    s.url = std::move(url);
    s.mail_from = "alice@example.org";
    s.rcpt_to = {"bob@example.com", "carol@example.net"};
    s.message =
        "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\n"
        "first line\r\n.a line that starts with a dot\r\n.\r\nlast line\r\n";
    s.timeout = 5s;
    return s;
  }

  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  Seen seen;
  SmtpClient client{io};
};

TEST_F(SmtpClientTest, DeliversEnvelopeAndDotStuffedData) {
  auto url = serve({});
  auto r = submit(submission(url + "/gw.example.org"));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->code, 250);
  EXPECT_EQ(r->reply, "250 2.0.0 Ok: queued as 4F2A");
  EXPECT_EQ(seen.ehlo, "EHLO gw.example.org");
  EXPECT_TRUE(seen.mail_from.starts_with("MAIL FROM:<alice@example.org>")) << seen.mail_from;
  ASSERT_EQ(seen.rcpt_to.size(), 2u);
  EXPECT_EQ(seen.rcpt_to[0], "RCPT TO:<bob@example.com>");
  EXPECT_EQ(seen.rcpt_to[1], "RCPT TO:<carol@example.net>");
  ASSERT_TRUE(seen.data.has_value());
  EXPECT_EQ(*seen.data,
            "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\n"
            "first line\r\n..a line that starts with a dot\r\n..\r\nlast line\r\n");
}

TEST_F(SmtpClientTest, RejectedRecipientIsPermanent) {
  auto url = serve({.rcpt_reply = "550 5.1.1 <bob@example.com>: Recipient address rejected"});
  auto r = submit(submission(url));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().failure, SmtpFailure::permanent);
  EXPECT_EQ(r.error().code, 550);
  EXPECT_NE(r.error().message.find("Recipient address rejected"), std::string::npos) << r.error().message;
  EXPECT_FALSE(seen.data.has_value());
}

TEST_F(SmtpClientTest, TemporaryFailureAtDataIsTransient) {
  auto url = serve({.data_reply = "451 4.3.0 Try again later"});
  auto r = submit(submission(url));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().failure, SmtpFailure::transient);
  EXPECT_EQ(r.error().code, 451);
  EXPECT_EQ(seen.rcpt_to.size(), 2u);
  EXPECT_FALSE(seen.data.has_value());
}

TEST_F(SmtpClientTest, RejectionAfterDataIsPermanent) {
  auto url = serve({.end_reply = "554 5.7.1 Message rejected as spam"});
  auto r = submit(submission(url));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().failure, SmtpFailure::permanent);
  EXPECT_EQ(r.error().code, 554);
  EXPECT_TRUE(seen.data.has_value());
}

TEST_F(SmtpClientTest, RefusedConnectionIsTransient) {
  auto port = acceptor.local_endpoint().port();
  acceptor.close();
  auto r = submit(submission("smtp://127.0.0.1:" + std::to_string(port)));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().failure, SmtpFailure::transient);
  EXPECT_EQ(r.error().code, 0);
}

TEST_F(SmtpClientTest, RequiredStartTlsMissingFails) {
  auto url = serve({});
  auto sub = submission(url);
  sub.starttls = true;
  auto r = submit(sub);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(seen.data.has_value());
}

TEST_F(SmtpClientTest, LoopKeepsRunningWhileRelayIsSlow) {
  auto url = serve({.end_delay = 400ms});
  // Ticks on the loop measure how long it ever went without running.
  asio::steady_timer tick(io);
  auto last = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration worst{};
  std::function<void()> arm = [&] {
    tick.expires_after(10ms);
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto now = std::chrono::steady_clock::now();
      worst = std::max(worst, now - last);
      last = now;
      arm();
    });
  };
  arm();
  auto r = submit(submission(url));
  tick.cancel();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_LT(worst, 200ms);
}

TEST(SmtpClientLifetimeTest, DestructionCancelsAndReportsOnTheLoop) {
  asio::io_context io;
  tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::vector<tcp::socket> held;
  silent.async_accept([&](boost::system::error_code ec, tcp::socket s) {
    if (!ec) held.push_back(std::move(s));
  });
  int calls = 0;
  std::optional<SmtpOutcome> out;
  {
    SmtpClient client(io);
    SmtpSubmission sub;
    sub.url = "smtp://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    sub.mail_from = "a@b";
    sub.rcpt_to = {"c@d"};
    sub.message = "Subject: x\r\n\r\nx\r\n";
    client.send(sub, [&](SmtpOutcome r) {
      ++calls;
      out = std::move(r);
    });
    ASSERT_TRUE(run_until(io, [&] { return !held.empty(); }));
  }
  EXPECT_TRUE(run_until(io, [&] { return calls > 0; }));
  testing::run_for(io, 20ms);
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(out.has_value());
  ASSERT_FALSE(out->has_value());
  EXPECT_EQ(out->error().failure, SmtpFailure::transient);
}

TEST(SmtpClassifyTest, CodesDecide) {
  EXPECT_EQ(classify_smtp_failure(CURLE_SEND_ERROR, 550), SmtpFailure::permanent);
  EXPECT_EQ(classify_smtp_failure(CURLE_SEND_ERROR, 452), SmtpFailure::transient);
  EXPECT_EQ(classify_smtp_failure(CURLE_LOGIN_DENIED, 454), SmtpFailure::transient);
  EXPECT_EQ(classify_smtp_failure(CURLE_LOGIN_DENIED, 535), SmtpFailure::permanent);
  EXPECT_EQ(classify_smtp_failure(CURLE_OPERATION_TIMEDOUT, 0), SmtpFailure::transient);
  EXPECT_EQ(classify_smtp_failure(CURLE_URL_MALFORMAT, 0), SmtpFailure::permanent);
}

}  // namespace
}  // namespace junction::net
