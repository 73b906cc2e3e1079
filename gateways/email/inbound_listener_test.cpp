// The Asio layer under LmtpSession, over real loopback sockets: a whole LMTP dialogue with a
// pipelined transaction, QUIT closing the connection, and the connection cap.
#include "inbound_listener.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace junction::email {
namespace {

using tcp = asio::ip::tcp;

std::string read_reply(tcp::socket& s, asio::streambuf& buffer) {
  std::string out;
  for (;;) {
    asio::read_until(s, buffer, "\r\n");
    std::istream in(&buffer);
    std::string line;
    std::getline(in, line);
    out += line + "\n";
    if (line.size() < 4 || line[3] != '-') return out;
  }
}

struct Harness {
  explicit Harness(std::size_t max_connections = 10) {
    InboundListener::Options options;
    options.max_connections = max_connections;
    listener = std::make_unique<InboundListener>(
        io, options,
        [](const std::string& rcpt, LmtpSession::RcptAnswer answer) {
          answer(rcpt.rfind("alice@", 0) == 0 ? RcptVerdict::accept : RcptVerdict::unknown_user);
        },
        [this](InboundEnvelope envelope, LmtpSession::DeliveryAnswer answer) {
          messages.push_back(envelope.message);
          asio::post(io, [answer, n = envelope.recipients.size()] {
            answer(std::vector<DeliveryStatus>(n, {DeliveryOutcome::delivered, "ok"}));
          });
        });
    EXPECT_TRUE(listener->start("127.0.0.1:0"));
    loop = std::thread([this] { io.run(); });
  }
  ~Harness() {
    asio::post(io, [this] { listener->stop(); });
    guard.reset();
    loop.join();
  }
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::unique_ptr<InboundListener> listener;
  std::vector<std::string> messages;  // written on the loop, read after join or a reply
  std::thread loop;
};

TEST(InboundListener, CarriesAPipelinedLmtpDialogue) {
  Harness h;
  asio::io_context client;
  tcp::socket s(client);
  s.connect({asio::ip::make_address("127.0.0.1"), h.listener->port()});
  asio::streambuf buffer;
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "220");
  asio::write(s, asio::buffer(std::string("LHLO mx\r\n")));
  EXPECT_NE(read_reply(s, buffer).find("PIPELINING"), std::string::npos);
  asio::write(s, asio::buffer(std::string("MAIL FROM:<bob@example.net>\r\nRCPT TO:<alice@example.org>\r\n"
                                          "RCPT TO:<nobody@example.org>\r\nDATA\r\n")));
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "250");
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "250");
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "550");
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "354");
  asio::write(s, asio::buffer(std::string("Subject: hi\r\n\r\n..dotted\r\n.\r\nQUIT\r\n")));
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "250");  // one answer: one accepted recipient
  EXPECT_EQ(read_reply(s, buffer).substr(0, 3), "221");
  boost::system::error_code ec;
  asio::read_until(s, buffer, "\r\n", ec);
  EXPECT_EQ(ec, asio::error::eof);  // QUIT closes the connection
  ASSERT_EQ(h.messages.size(), 1u);
  EXPECT_EQ(h.messages[0], "Subject: hi\r\n\r\n.dotted\r\n");
}

TEST(InboundListener, RefusesConnectionsOverTheCap) {
  Harness h(1);
  asio::io_context client;
  tcp::socket first(client), second(client);
  asio::streambuf b1, b2;
  first.connect({asio::ip::make_address("127.0.0.1"), h.listener->port()});
  EXPECT_EQ(read_reply(first, b1).substr(0, 3), "220");
  second.connect({asio::ip::make_address("127.0.0.1"), h.listener->port()});
  EXPECT_EQ(read_reply(second, b2).substr(0, 3), "421");
}

}  // namespace
}  // namespace junction::email
