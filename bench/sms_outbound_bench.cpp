// Outbound SMS sends per second against a local Twilio-shaped mock, with bounded connections,
// through the gateway's real outbound path: chat stanzas handed to SmsGateway::on_message as
// the component stream would (in batches per loop turn), each checked, stored with the core's
// group-committed queue_to_legacy_async, picked up by LegacyOutbox, sent (request building,
// rate limiter, curl multi, response parsing, provider_ref) and marked done, outcomes again
// group-committed. The mock runs on its own thread. The clock runs from the first stanza to
// the last entry done.
// Usage: sms_outbound_bench [connections=8] [texts=20000] [db=/tmp/sms_outbound_bench.db]
#include "bench/sms_support_bench.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "net/http_server.hpp"
#include "util/log.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace junction;
using Clock = std::chrono::steady_clock;

namespace {

// Stanzas per loop turn: about what one read from the component stream holds in a burst.
constexpr int kStanzasPerTurn = 64;

xmpp::Element chat(int i) {
  xmpp::Element m("message");
  m.set_attr("type", "chat");
  m.set_attr("from", "alice@example.org/bench");
  m.set_attr("to", "+15557000000@sms.example.org");
  m.set_attr("id", "id" + std::to_string(i));
  m.add_child("body").set_text("text " + std::to_string(i));
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 8;
  int total = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::string db = argc > 3 ? argv[3] : "/tmp/sms_outbound_bench.db";
  if (connections < 1 || total < 1)
    return std::fprintf(stderr, "usage: sms_outbound_bench [connections] [texts] [db]\n"), 2;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  log::set_level(log::Level::warn);

  // The provider: answers every send as Twilio does, from a second thread.
  asio::io_context mock_io;
  net::HttpServer mock(mock_io, {.listen = "127.0.0.1:0", .max_connections = 4096});
  std::atomic<int> received{0};
  mock.route(
      "POST", "/2010-04-01/Accounts/ACbench/Messages.json", [&](const net::HttpRequest&, net::Responder respond) {
        int n = ++received;
        respond({201, "application/json", "{\"sid\":\"SM" + std::to_string(n) + "\",\"status\":\"queued\"}", {}});
      });
  if (auto started = mock.start(); !started) return std::fprintf(stderr, "%s\n", started.error().message.c_str()), 1;
  std::thread mock_thread([&mock_io] {
    auto guard = asio::make_work_guard(mock_io);
    mock_io.run();
  });

  asio::io_context io;
  net::HttpServer http(io, {.listen = "127.0.0.1:0"});
  auto config = toml::parse(R"(
provider = "twilio"
account_sid = "ACbench"
auth_token = "bench-token"
rate_per_second = 100000
rate_burst = 100000
max_segments = 10
[numbers]
"+15550001111" = "alice@example.org"
)");
  config.insert_or_assign("api_url", "http://127.0.0.1:" + std::to_string(mock.port()));
  config.insert_or_assign("max_connections", connections);
  bench::BenchContext context(io, config, db, http, "http://127.0.0.1:1");

  sms::SmsGateway gateway(context);
  gateway.start();
  const auto from = *xmpp::Jid::parse("alice@example.org/bench");
  const auto to = *xmpp::Jid::parse("+15557000000@sms.example.org");
  int fed = 0;
  std::function<void()> feed = [&] {
    for (int n = 0; n < kStanzasPerTurn && fed < total; ++n, ++fed) gateway.on_message(chat(fed), from, to);
    if (fed < total) asio::post(io, feed);
  };
  auto began = Clock::now();
  asio::post(io, feed);

  asio::steady_timer poll(io);
  Clock::time_point ended;
  std::function<void()> check = [&] {
    if (fed == total && received.load() >= total) {
      auto depth = context.sqlite().outbox().depth("sms", store::Direction::to_legacy);
      if (depth && *depth == 0) {
        ended = Clock::now();
        io.stop();
        return;
      }
    }
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](const boost::system::error_code&) { check(); });
  };
  check();
  io.run();
  mock_io.stop();
  mock_thread.join();

  double seconds = std::chrono::duration<double>(ended - began).count();
  std::printf("sms_outbound_bench: %d texts, %d connections, %d provider requests, %.2f s, %.0f sends/s\n", total,
              connections, received.load(), seconds, total / seconds);
  return received.load() == total ? 0 : 1;
}
