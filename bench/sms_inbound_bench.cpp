// Inbound SMS webhooks per second with storage before the 2xx, and webhook-to-stanza latency.
// Twilio-signed form POSTs go through the real HTTP listener, signature check, parsing, owner
// lookup and group-committed SQLite storage (a file, WAL, synchronous=NORMAL); the stanza is
// "written" to a stream that accepts at once. The client runs on its own thread (curl multi).
// Usage: sms_inbound_bench [concurrency=64] [webhooks=20000] [db=/tmp/sms_inbound_bench.db]
#include "bench/sms_support_bench.hpp"
#include "gateways/sms/codec.hpp"
#include "gateways/sms/sms_gateway.hpp"
#include "gateways/sms/twilio.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "util/log.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace junction;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int concurrency = argc > 1 ? std::atoi(argv[1]) : 64;
  int total = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::string db = argc > 3 ? argv[3] : "/tmp/sms_inbound_bench.db";
  if (concurrency < 1 || total < 1)
    return std::fprintf(stderr, "usage: sms_inbound_bench [concurrency] [webhooks] [db]\n"), 2;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  log::set_level(log::Level::warn);

  asio::io_context io;
  net::HttpServer http(io, {.listen = "127.0.0.1:0", .max_connections = 4096});
  if (auto started = http.start(); !started) return std::fprintf(stderr, "%s\n", started.error().message.c_str()), 1;
  const std::string base = "http://127.0.0.1:" + std::to_string(http.port());
  auto config = toml::parse(R"(
provider = "twilio"
account_sid = "ACbench"
auth_token = "bench-token"
[numbers]
"+15550001111" = "alice@example.org"
)");
  bench::BenchContext context(io, config, db, http, base);
  sms::SmsGateway gateway(context);
  gateway.start();

  // Bodies and signatures are made before the clock starts: the client's cost is not ours.
  const std::string url = base + "/webhooks/sms/inbound";
  std::vector<std::string> bodies(static_cast<std::size_t>(total)), signatures(bodies.size());
  for (int i = 0; i < total; ++i) {
    sms::Params form{{"MessageSid", "SMbench" + std::to_string(i)},        {"AccountSid", "ACbench"},
                     {"From", "+1555700" + std::to_string(1000 + i % 50)}, {"To", "+15550001111"},
                     {"Body", "bench-" + std::to_string(i) + "-end"},      {"NumMedia", "0"}};
    for (const auto& [k, v] : form) {
      if (!bodies[i].empty()) bodies[i] += '&';
      bodies[i] += sms::url_encode(k);
      bodies[i] += '=';
      bodies[i] += sms::url_encode(v);
    }
    signatures[i] = sms::twilio_signature("bench-token", url, form);
  }
  std::vector<Clock::time_point> sent_at(bodies.size()), written_at(bodies.size());
  std::atomic<int> written{0};
  context.link().on_write = [&](std::string_view stanza) {
    auto at = stanza.find("bench-");
    if (at == std::string_view::npos) return;
    written_at[static_cast<std::size_t>(std::atoi(stanza.data() + at + 6))] = Clock::now();
    ++written;
  };

  std::thread server([&io] {
    auto guard = asio::make_work_guard(io);
    io.run();
  });

  asio::io_context client_io;
  int finished = 0, failed = 0, next_index = 0;
  Clock::time_point began, ended;
  {
    net::CurlMulti multi(client_io, {.max_host_connections = concurrency, .max_total_connections = concurrency});
    net::HttpClient client(multi);
    std::function<void()> next = [&] {
      if (next_index == total) return;
      int i = next_index++;
      sent_at[static_cast<std::size_t>(i)] = Clock::now();
      net::HttpClientRequest request{"POST",
                                     url,
                                     {{"Content-Type", "application/x-www-form-urlencoded"},
                                      {"X-Twilio-Signature", signatures[static_cast<std::size_t>(i)]}},
                                     bodies[static_cast<std::size_t>(i)]};
      client.request(std::move(request), [&](Result<net::HttpClientResponse> r) {
        ++finished;
        if (!r || r->status != 200) ++failed;
        if (finished == total) {
          ended = Clock::now();
          return;
        }
        next();
      });
    };
    began = Clock::now();
    for (int i = 0; i < concurrency && i < total; ++i) next();
    client_io.run();
  }
  // Everything acknowledged has been written by now unless it raced the last answer.
  for (int spin = 0; spin < 200 && written.load() < total - failed; ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  io.stop();
  server.join();

  std::vector<double> latencies;
  for (std::size_t i = 0; i < sent_at.size(); ++i)
    if (written_at[i] != Clock::time_point{})
      latencies.push_back(std::chrono::duration<double, std::milli>(written_at[i] - sent_at[i]).count());
  double seconds = std::chrono::duration<double>(ended - began).count();
  std::printf(
      "sms_inbound_bench: %d webhooks, %d concurrent, %d failed, %d stanzas, %.2f s, %.0f webhooks/s, "
      "webhook-to-stanza p50 %.2f ms p99 %.2f ms\n",
      total, concurrency, failed, written.load(), seconds, total / seconds, bench::percentile(latencies, 0.5),
      bench::percentile(latencies, 0.99));
  return failed == 0 ? 0 : 1;
}
