// Outbound SMS sends per second against a local Twilio-shaped mock, with bounded connections:
// texts already in the durable outbox (as after a burst of XMPP messages) go through the real
// LegacyOutbox, the gateway's sender (request building, rate limiter, curl multi, response
// parsing, provider_ref) and are marked done. The mock runs on its own thread.
// Usage: sms_outbound_bench [connections=16] [texts=20000] [db=/tmp/sms_outbound_bench.db]
#include "bench/sms_support_bench.hpp"
#include "gateways/sms/outbound_entry.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "net/http_server.hpp"
#include "util/log.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace junction;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int connections = argc > 1 ? std::atoi(argv[1]) : 16;
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
[numbers]
"+15550001111" = "alice@example.org"
)");
  config.insert_or_assign("api_url", "http://127.0.0.1:" + std::to_string(mock.port()));
  config.insert_or_assign("max_connections", connections);
  bench::BenchContext context(io, config, db, http, "http://127.0.0.1:1");

  // The backlog, stored in one transaction before the clock starts.
  auto stored = context.sqlite().batch([&]() -> Result<void> {
    for (int i = 0; i < total; ++i) {
      sms::OutboundEntry out{"alice@example.org/bench",
                             "+15557000000@sms.example.org",
                             "+15550001111",
                             "+15557000000",
                             "text " + std::to_string(i),
                             {},
                             "id" + std::to_string(i),
                             false};
      store::OutboxEntry entry;
      entry.gateway = "sms";
      entry.direction = store::Direction::to_legacy;
      entry.key = "bench|" + std::to_string(i);
      entry.user = "alice@example.org";
      entry.payload = sms::encode_outbound(out);
      entry.next_attempt_at = 1;
      if (auto r = context.sqlite().outbox().enqueue(entry); !r) return std::unexpected(r.error());
    }
    return {};
  });
  if (!stored) return std::fprintf(stderr, "%s\n", stored.error().message.c_str()), 1;

  sms::SmsGateway gateway(context);
  auto began = Clock::now();
  gateway.start();  // sets the sender: the outbox starts draining
  asio::steady_timer poll(io);
  Clock::time_point ended;
  std::function<void()> check = [&] {
    auto depth = context.sqlite().outbox().depth("sms", store::Direction::to_legacy);
    if (depth && *depth == 0) {
      ended = Clock::now();
      io.stop();
      return;
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
