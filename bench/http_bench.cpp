// HTTP round trips per second through Junction's own server and client on one io_context
// thread: both sides share the loop, as webhooks and provider calls do in production.
// Usage: http_bench [concurrency=32] [requests=20000]. Prints numbers; never asserts timing.
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "util/log.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace junction;
using namespace junction::net;

int main(int argc, char** argv) {
  int concurrency = argc > 1 ? std::atoi(argv[1]) : 32;
  int total = argc > 2 ? std::atoi(argv[2]) : 20000;
  if (concurrency < 1 || total < 1) {
    std::fprintf(stderr, "usage: http_bench [concurrency] [requests]\n");
    return 2;
  }
  log::set_level(log::Level::warn);

  asio::io_context io;
  HttpServer server(io, {.listen = "127.0.0.1:0", .max_connections = 4096});
  server.route("GET", "/ping", [](const HttpRequest&, Responder respond) { respond({200, "text/plain", "pong", {}}); });
  if (auto started = server.start(); !started) {
    std::fprintf(stderr, "%s\n", started.error().message.c_str());
    return 1;
  }
  CurlMulti multi(io, {.max_host_connections = concurrency, .max_total_connections = concurrency});
  HttpClient client(multi);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/ping";

  int started = 0, finished = 0, failed = 0;
  std::function<void()> next = [&] {
    if (started == total) return;
    ++started;
    client.request({.url = url}, [&](Result<HttpClientResponse> r) {
      ++finished;
      if (!r || r->status != 200) ++failed;
      if (finished == total) {
        server.stop();
        return;
      }
      next();
    });
  };

  auto began = std::chrono::steady_clock::now();
  for (int i = 0; i < concurrency && i < total; ++i) next();
  io.run();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  std::printf("http_bench: %d requests, %d concurrent, %d failed, %.2f s, %.0f requests/s\n", total, concurrency,
              failed, seconds, total / seconds);
  return failed == 0 ? 0 : 1;
}
