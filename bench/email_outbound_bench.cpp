// Outbound mail throughput: chat messages from a registered user, each checked, threaded,
// written to the durable outbox, built into an RFC 5322 mail and submitted by libcurl over
// SMTP to a local sink that accepts everything (so the number is Junction's, not an MTA's).
//
//   email_outbound_bench [messages=5000]
#include "email_support_bench.hpp"
#include "gateways/email/email_gateway.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

using namespace junction;

namespace {

// The smallest SMTP server curl is happy with: one thread per connection, every command 250.
class SmtpSink {
 public:
  SmtpSink() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 512) != 0)
      throw std::runtime_error("sink: cannot listen");
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~SmtpSink() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    for (auto& t : sessions_) t.join();
  }
  unsigned short port() const { return port_; }
  std::atomic<long> messages{0};
  std::atomic<long> connections{0};

 private:
  void accept_loop() {
    for (;;) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections;
      sessions_.emplace_back([this, fd] { serve(bench::LineSocket(fd)); });
    }
  }
  void serve(bench::LineSocket s) {
    try {
      s.write("220 sink ESMTP\r\n");
      for (;;) {
        std::string line = s.line();
        if (line.empty()) return;
        std::string verb = line.substr(0, 4);
        for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (verb == "EHLO") {
          s.write("250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        } else if (verb == "DATA") {
          s.write("354 go ahead\r\n");
          while (s.line() != ".") {
          }
          ++messages;
          s.write("250 2.0.0 queued\r\n");
        } else if (verb == "QUIT") {
          s.write("221 bye\r\n");
          return;
        } else {
          s.write("250 ok\r\n");
        }
      }
    } catch (const std::exception&) {
    }
  }
  int listen_fd_;
  unsigned short port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> sessions_;
};

}  // namespace

int main(int argc, char** argv) {
  int total = argc > 1 ? std::atoi(argv[1]) : 5000;
  log::set_level(log::Level::warn);
  auto db = (std::filesystem::temp_directory_path() / fmt::format("junction-email-out-bench-{}.db", ::getpid())).string();
  SmtpSink sink;

  asio::io_context io;
  auto config = toml::parse(fmt::format(
      "mail_domain = \"example.org\"\ninbound_listen = \"\"\nsmtp_url = \"smtp://127.0.0.1:{}\"\n"
      "send_rate_per_minute = 100000\n", sink.port()));
  auto context = std::make_unique<bench::MailBenchContext>(io, config, db);
  (void)context->store().registrations().upsert({"mail", "alice@example.org", {{"name", "Alice"}}, 0, 0});
  auto gateway = std::make_unique<email::EmailGateway>(*context);
  gateway->start();
  auto guard = asio::make_work_guard(io);
  std::thread loop([&io] { io.run(); });

  std::string text;
  for (int i = 0; i < 8; ++i) text += "A chat line of ordinary length, about what chat messages carry. ";
  auto from = *xmpp::Jid::parse("alice@example.org/bench");
  auto start = std::chrono::steady_clock::now();
  asio::post(io, [&] {
    for (int n = 0; n < total; ++n) {
      auto to = *xmpp::Jid::parse(fmt::format("bob{}\\40example.net@mail.example.org", n % 20));
      xmpp::Element m("message");
      m.set_attr("type", "chat");
      m.set_attr("id", fmt::format("b{}", n));
      m.add_child("body").set_text(text);
      gateway->on_message(m, from, to);
    }
  });
  while (sink.messages.load() < total &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("email outbound (outbox + build + libcurl SMTP to a local sink): {} messages\n", total);
  fmt::print("  {:.0f} messages/s ({:.2f} s), accepted by the sink {} over {} connections\n",
             sink.messages.load() / seconds, seconds, sink.messages.load(), sink.connections.load());

  asio::post(io, [&] { gateway->stop([] {}); });
  guard.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  io.stop();
  loop.join();
  gateway.reset();
  context.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return sink.messages.load() == total ? 0 : 1;
}
