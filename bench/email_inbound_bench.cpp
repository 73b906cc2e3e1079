// Inbound mail throughput: mails/s handed to the email gateway over LMTP (TCP on loopback),
// each parsed with GMime on a worker, threaded, stored in SQLite (de-duplication key and the
// durable delivery queue) and written to a component stream before its 250. Typical 5 KB
// mails: multipart/alternative with a text and an HTML part, a reply in a thread.
//
//   email_inbound_bench [mails=20000] [connections=4]
#include "email_support_bench.hpp"
#include "gateways/email/email_gateway.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

using namespace junction;

namespace {

std::string paragraph(int i) {
  return fmt::format("Line {} of the message: the quarterly figures look fine, see you on Tuesday at ten.", i);
}

std::string make_mail(int n, const std::string& rcpt) {
  std::string text, html;
  for (int i = 0; i < 25; ++i) {
    text += paragraph(i) + "\r\n";
    html += "<p>" + paragraph(i) + "</p>\r\n";
  }
  return fmt::format(
      "Return-Path: <sender{0}@example.net>\r\n"
      "Received: from mx.example.net by mail.example.org with ESMTP; Tue, 1 Jul 2025 10:00:00 +0000\r\n"
      "From: Sender {0} <sender{0}@example.net>\r\nTo: {1}\r\nSubject: Re: Quarterly figures {2}\r\n"
      "Date: Tue, 1 Jul 2025 10:00:00 +0000\r\nMessage-ID: <bench-{2}@example.net>\r\n"
      "In-Reply-To: <bench-root-{0}@example.net>\r\nReferences: <bench-root-{0}@example.net>\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b-{2}\"\r\n\r\n"
      "--b-{2}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{3}\r\n"
      "--b-{2}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{4}</body></html>\r\n--b-{2}--\r\n",
      n % 50, rcpt, n, text, html);
}

}  // namespace

int main(int argc, char** argv) {
  int mails = argc > 1 ? std::atoi(argv[1]) : 20000;
  int connections = argc > 2 ? std::atoi(argv[2]) : 4;
  log::set_level(log::Level::warn);
  auto db = (std::filesystem::temp_directory_path() / fmt::format("junction-email-bench-{}.db", ::getpid())).string();

  asio::io_context io;
  auto config = toml::parse("mail_domain = \"example.org\"\ninbound_listen = \"127.0.0.1:0\"\n");
  auto context = std::make_unique<bench::MailBenchContext>(io, config, db);
  constexpr int kUsers = 100;
  for (int u = 0; u < kUsers; ++u)
    (void)context->store().registrations().upsert({"mail", fmt::format("user{}@example.org", u), {}, 0, 0});
  auto gateway = std::make_unique<email::EmailGateway>(*context);
  gateway->start();
  unsigned short port = gateway->inbound_port();
  auto guard = asio::make_work_guard(io);
  std::thread loop([&io] { io.run(); });

  std::vector<std::string> bodies;
  bodies.reserve(static_cast<std::size_t>(mails));
  std::size_t bytes = 0;
  for (int n = 0; n < mails; ++n) {
    bodies.push_back(make_mail(n, fmt::format("user{}@example.org", n % kUsers)));
    bytes += bodies.back().size();
  }

  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < connections; ++c) {
    clients.emplace_back([&, c] {
      auto s = bench::LineSocket::connect_to(port);
      s.reply();
      s.write("LHLO bench.example.net\r\n");
      s.reply();
      for (int n = c; n < mails; n += connections) {
        auto t0 = std::chrono::steady_clock::now();
        s.write(fmt::format("MAIL FROM:<sender{}@example.net>\r\nRCPT TO:<user{}@example.org>\r\nDATA\r\n", n % 50,
                            n % kUsers));
        bool ok = s.reply().starts_with("250") & s.reply().starts_with("250") & s.reply().starts_with("354");
        s.write(bodies[static_cast<std::size_t>(n)]);
        s.write(".\r\n");
        ok = s.reply().starts_with("250") && ok;
        if (!ok) ++failures;
        latencies[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      s.write("QUIT\r\n");
      s.reply();
    });
  }
  for (auto& t : clients) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&all](double p) { return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<std::size_t>(p * static_cast<double>(all.size())))]; };
  auto depth = context->store().outbox().depth("mail", store::Direction::to_xmpp);
  fmt::print("email inbound (LMTP, parse + thread + store + deliver): {} mails of {:.1f} KB avg over {} connections\n",
             mails, static_cast<double>(bytes) / mails / 1024.0, connections);
  fmt::print("  {:.0f} mails/s ({:.2f} s), latency p50 {:.2f} ms, p99 {:.2f} ms, failures {}, stanzas written {}, "
             "queue entries {}\n",
             mails / seconds, seconds, pct(0.5), pct(0.99), failures.load(), context->link().written.load(),
             depth ? *depth : -1);

  asio::post(io, [&] { gateway->stop([] {}); });
  guard.reset();
  io.stop();
  loop.join();
  gateway.reset();
  context.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return failures.load() == 0 ? 0 : 1;
}
