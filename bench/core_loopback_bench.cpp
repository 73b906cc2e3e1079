// End-to-end core throughput over loopback TCP. A fake XMPP server (core_bench_support.hpp)
// speaks XEP-0114 to a component, sends it chat messages for contacts at the echo domain and
// counts the echoed replies. The component is either
//   --inproc          a real GatewayHost built in this process, sharing one thread and one
//                     io_context with the fake server (one core), or
//   --junction PATH   the real junction binary, started with a generated config (echo
//                     gateway, fresh SQLite file); its event-loop lag comes from /metrics.
// Gateways (--gateway): "echo" is the real echo gateway: every message goes through the
// durable outbox both ways (SQLite). "direct" (in-process only) is a bench-only gateway that
// answers through GatewayContext::send, the same host path without the outbox.
//
// Modes:
//   blast (default)   --count N messages, at most --window unanswered; prints replies/s
//   --rate R          R messages/s for --duration S seconds; with --junction, samples the
//                     process's VmRSS and lag every --sample S seconds (the soak test)
// Prints numbers; never fails on timing.
#include "core_bench_support.hpp"
#include "core/gateway_host.hpp"
#include "gateways/registry.hpp"
#include "store/sqlite_store.hpp"
#include "util/event_loop_lag.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace junction;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view domain = "echo.localhost";
constexpr std::string_view user_domain = "localhost";

struct Options {
  std::string junction;  // empty: in-process
  std::string gateway = "echo";
  std::uint64_t count = 100000;
  std::uint64_t window = 1000;
  int runs = 3;
  double rate = 0;       // > 0: paced mode
  double duration = 60;  // paced mode, seconds
  double sample = 10;    // paced mode, seconds between samples
};

// ---- a gateway without the outbox: replies straight through GatewayContext::send ----

class DirectEchoGateway final : public core::Gateway {
 public:
  explicit DirectEchoGateway(core::GatewayContext& context) : context_(context) {}
  core::Identity identity() const override { return {"gateway", "echo", "Direct echo (bench)"}; }
  Result<xmpp::Jid> legacy_to_jid(std::string_view) const override { return fail("not supported"); }
  void on_message(const xmpp::Element& stanza, const xmpp::Jid& from, const xmpp::Jid& to) override {
    if (stanza.attr_or("type") == "error") return;
    xmpp::Element reply("message");
    reply.set_attr("type", "chat");
    reply.set_attr("from", to.str());
    reply.set_attr("to", from.str());
    reply.add_child("body").set_text("echo: " + stanza.child_text("body"));
    context_.send(std::move(reply));
  }

 private:
  core::GatewayContext& context_;
};

// ---- /metrics and /proc ----

std::optional<std::string> http_get(std::uint16_t port, const std::string& path) {
  try {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::string response;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(response), ec);
    return response;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double metric_value(const std::string& text, std::string_view name) {
  std::string key = std::string(name) + " ";
  auto at = text.find("\n" + key);
  if (at == std::string::npos) return -1;
  return std::atof(text.c_str() + at + 1 + key.size());
}

long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

std::uint16_t free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// ---- the junction process ----

struct Child {
  pid_t pid = -1;
  std::uint16_t http_port = 0;
  fs::path dir;
};

Child spawn_junction(const std::string& binary, std::uint16_t xmpp_port) {
  Child child;
  child.http_port = free_port();
  child.dir = fs::temp_directory_path() / fmt::format("junction-core-bench-{}-{}", ::getpid(), xmpp_port);
  fs::create_directories(child.dir);
  auto config = child.dir / "junction.toml";
  std::ofstream(config) << fmt::format(
      "[xmpp]\nhost = \"127.0.0.1\"\nport = {}\n\n[storage]\npath = \"{}\"\n\n[http]\nlisten = \"127.0.0.1:{}\"\n\n"
      "[log]\nlevel = \"warn\"\n\n[gateways.echo]\nkind = \"echo\"\ndomain = \"{}\"\nsecret = \"bench\"\n",
      xmpp_port, (child.dir / "junction.db").string(), child.http_port, domain);
  auto log = (child.dir / "junction.log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string config_path = config.string();
  std::vector<char*> argv{const_cast<char*>(binary.c_str()), const_cast<char*>("--config"), config_path.data(),
                          nullptr};
  if (int rc = posix_spawn(&child.pid, binary.c_str(), &actions, nullptr, argv.data(), environ); rc != 0) {
    std::fprintf(stderr, "cannot start %s: %s\n", binary.c_str(), std::strerror(rc));
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&actions);
  return child;
}

void stop_junction(Child& child) {
  if (child.pid <= 0) return;
  ::kill(child.pid, SIGTERM);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  child.pid = -1;
  std::error_code ignored;
  fs::remove_all(child.dir, ignored);
}

// ---- one run ----

struct RunResult {
  double rate = 0;        // replies/s (blast mode)
  double lag_p99 = -1;    // seconds
  double lag_max = -1;
  double rtt_p50 = 0, rtt_p99 = 0;
  bench::FakeXmppServer::Stats stats;
  bool ok = false;
};

RunResult run_once(const Options& o, bool verbose) {
  asio::io_context io;
  bench::FakeXmppServer server(io, std::string(domain), std::string(user_domain));
  RunResult result;
  std::string failure;
  server.on_failure = [&](std::string_view why) {
    failure = why;
    io.stop();
  };

  Metrics metrics;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<EventLoopLagMonitor> lag;
  std::unique_ptr<core::GatewayHost> host;
  fs::path db_dir;
  Child child;
  const bool inproc = o.junction.empty();

  if (inproc) {
    db_dir = fs::temp_directory_path() / fmt::format("junction-core-bench-{}-{}", ::getpid(), server.port());
    fs::create_directories(db_dir);
    auto opened = store::SqliteStore::open((db_dir / "junction.db").string());
    if (!opened) {
      std::fprintf(stderr, "store: %s\n", opened.error().message.c_str());
      std::exit(1);
    }
    store = std::move(*opened);
    workers = std::make_unique<WorkerPool>(io, 1);
    lag = std::make_unique<EventLoopLagMonitor>(io, metrics);
    lag->start();
    core::HostEnvironment env;
    env.io = &io;
    env.store = store.get();
    env.metrics = &metrics;
    env.workers = workers.get();
    env.started_at = std::chrono::steady_clock::now();
    env.is_admin = [](const xmpp::Jid&) { return false; };
    env.reload = [](std::function<void(std::string)> report) { report("nothing to reload"); };
    env.global_statistics = [] { return std::vector<std::pair<std::string, std::string>>{}; };
    core::GatewayConfig gateway;
    gateway.name = "echo";
    gateway.kind = o.gateway == "direct" ? "bench-direct" : "echo";
    gateway.domain = domain;
    gateway.secret = "bench";
    gateway.user_domains = {std::string(user_domain)};
    core::XmppConfig xmpp;
    xmpp.host = "127.0.0.1";
    xmpp.port = server.port();
    host = std::make_unique<core::GatewayHost>(std::move(env), std::move(gateway), xmpp);
    if (auto ok = host->init(); !ok) {
      std::fprintf(stderr, "host: %s\n", ok.error().message.c_str());
      std::exit(1);
    }
    host->start();
  } else {
    child = spawn_junction(o.junction, server.port());
  }
  server.accept();

  auto read_lag = [&] {
    if (inproc) {
      result.lag_p99 = std::chrono::duration<double>(lag->p99()).count();
      result.lag_max = std::chrono::duration<double>(lag->max()).count();
    } else if (auto text = http_get(child.http_port, "/metrics")) {
      result.lag_p99 = metric_value(*text, "junction_event_loop_lag_p99_seconds");
      result.lag_max = metric_value(*text, "junction_event_loop_lag_max_seconds");
    }
  };
  auto self_or_child_rss = [&] { return rss_kb(inproc ? ::getpid() : child.pid); };

  asio::steady_timer guard(io), sampler(io);
  std::vector<long> rss_series;
  std::function<void()> sample;  // paced mode: one sample, then the next one armed

  if (o.rate <= 0) {
    server.on_online = [&] { server.blast(o.count, o.window); };
    server.on_done = [&] {
      read_lag();
      io.stop();
    };
    guard.expires_after(std::chrono::seconds(600));
    guard.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      failure = fmt::format("timed out with {} of {} replies", server.stats().replies, o.count);
      io.stop();
    });
  } else {
    sample = [&] {
      auto t = std::chrono::duration<double>(bench::Clock::now() - server.started()).count();
      long rss = self_or_child_rss();
      rss_series.push_back(rss);
      read_lag();
      std::printf("  t=%5.0fs  rss=%7ld kB  sent=%9llu  replies=%9llu  lag_p99=%7.2f ms  lag_max=%7.2f ms\n", t, rss,
                  static_cast<unsigned long long>(server.stats().sent),
                  static_cast<unsigned long long>(server.stats().replies), result.lag_p99 * 1e3,
                  result.lag_max * 1e3);
      std::fflush(stdout);
      if (t >= o.duration - 1e-3) {
        server.stop_pacing();
        // Let the last replies arrive, then stop.
        guard.expires_after(std::chrono::seconds(5));
        guard.async_wait([&](const boost::system::error_code&) { io.stop(); });
        return;
      }
      sampler.expires_at(server.started() + std::chrono::milliseconds(static_cast<long>(
                                                 (static_cast<double>(rss_series.size()) * o.sample) * 1000)));
      sampler.async_wait([&](const boost::system::error_code& ec) {
        if (!ec) sample();
      });
    };
    server.on_online = [&] {
      server.pace(o.rate);
      sample();
    };
  }

  // No component within 30 s means something is wrong with the setup.
  asio::steady_timer connect_guard(io, std::chrono::seconds(30));
  connect_guard.async_wait([&](const boost::system::error_code& ec) {
    if (!ec && !server.online()) {
      failure = "the component did not connect and authenticate within 30 s";
      io.stop();
    }
  });
  io.run();

  result.stats = server.stats();
  if (!failure.empty()) {
    std::fprintf(stderr, "run failed: %s\n", failure.c_str());
    if (!inproc) std::fprintf(stderr, "(junction log: %s)\n", (child.dir / "junction.log").c_str());
  } else if (o.rate <= 0) {
    double secs = std::chrono::duration<double>(server.finished() - server.started()).count();
    result.rate = static_cast<double>(o.count) / secs;
    result.ok = true;
  } else {
    result.ok = true;
    auto [lo, hi] = std::minmax_element(rss_series.begin(), rss_series.end());
    std::printf("  rss: start=%ld kB  end=%ld kB  min=%ld kB  max=%ld kB  (%zu samples every %.0f s)\n",
                rss_series.front(), rss_series.back(), *lo, *hi, rss_series.size(), o.sample);
    std::printf("  sent=%llu replies=%llu errors=%llu pings=%llu\n",
                static_cast<unsigned long long>(result.stats.sent),
                static_cast<unsigned long long>(result.stats.replies),
                static_cast<unsigned long long>(result.stats.errors),
                static_cast<unsigned long long>(result.stats.pings));
  }
  result.rtt_p50 = bench::percentile(server.round_trips(), 0.50);
  result.rtt_p99 = bench::percentile(server.round_trips(), 0.99);
  if (verbose && result.ok && o.rate <= 0)
    std::printf("  run: %9.0f replies/s  lag p99 %6.2f ms max %6.2f ms  rtt p50 %6.2f ms p99 %6.2f ms  "
                "(pings %llu, errors %llu)\n",
                result.rate, result.lag_p99 * 1e3, result.lag_max * 1e3, result.rtt_p50 * 1e3, result.rtt_p99 * 1e3,
                static_cast<unsigned long long>(result.stats.pings),
                static_cast<unsigned long long>(result.stats.errors));
  std::fflush(stdout);

  server.close();
  host.reset();
  lag.reset();
  workers.reset();
  store.reset();
  if (!db_dir.empty()) {
    std::error_code ignored;
    fs::remove_all(db_dir, ignored);
  }
  if (!o.junction.empty()) stop_junction(child);
  return result;
}

void usage(const char* self) {
  std::fprintf(stderr,
               "usage: %s [--inproc | --junction PATH] [--gateway echo|direct] [--count N] [--window W] "
               "[--runs K]\n"
               "       %s [--inproc | --junction PATH] --rate MSG_PER_S [--duration S] [--sample S]\n",
               self, self);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(argv[0]);
      return argv[++i];
    };
    if (a == "--inproc") o.junction.clear();
    else if (a == "--junction") o.junction = value();
    else if (a == "--gateway") o.gateway = value();
    else if (a == "--count") o.count = std::strtoull(value(), nullptr, 10);
    else if (a == "--window") o.window = std::strtoull(value(), nullptr, 10);
    else if (a == "--runs") o.runs = std::atoi(value());
    else if (a == "--rate") o.rate = std::atof(value());
    else if (a == "--duration") o.duration = std::atof(value());
    else if (a == "--sample") o.sample = std::atof(value());
    else usage(argv[0]);
  }
  if (o.gateway != "echo" && o.gateway != "direct") usage(argv[0]);
  if (o.gateway == "direct" && !o.junction.empty()) {
    std::fprintf(stderr, "--gateway direct exists only in process (--inproc)\n");
    return 2;
  }
  if (o.count == 0 || o.window == 0 || o.runs <= 0 || o.sample <= 0) usage(argv[0]);
  std::signal(SIGPIPE, SIG_IGN);
  log::set_level(log::Level::error);
  gateways::register_all();
  core::register_gateway_kind({"bench-direct",
                               [](core::GatewayContext& c) -> std::unique_ptr<core::Gateway> {
                                 return std::make_unique<DirectEchoGateway>(c);
                               },
                               {},
                               {}});

  std::string where = o.junction.empty() ? "in process (GatewayHost, one thread)" : "junction binary " + o.junction;
  if (o.rate > 0) {
    std::printf("core_loopback_bench: %s, gateway %s, %.0f msg/s for %.0f s, sampling every %.0f s\n", where.c_str(),
                o.gateway.c_str(), o.rate, o.duration, o.sample);
    return run_once(o, true).ok ? 0 : 1;
  }
  std::printf("core_loopback_bench: %s, gateway %s (%s), %llu messages, window %llu, %d runs\n", where.c_str(),
              o.gateway.c_str(), o.gateway == "echo" ? "durable outbox both ways" : "no outbox",
              static_cast<unsigned long long>(o.count), static_cast<unsigned long long>(o.window), o.runs);
  std::vector<double> rates, lags;
  for (int r = 0; r < o.runs; ++r) {
    auto result = run_once(o, true);
    if (!result.ok) return 1;
    rates.push_back(result.rate);
    lags.push_back(result.lag_p99);
  }
  std::sort(rates.begin(), rates.end());
  std::sort(lags.begin(), lags.end());
  std::printf("  replies/s  min %.0f  median %.0f  max %.0f\n", rates.front(), bench::percentile(rates, 0.5),
              rates.back());
  std::printf("  lag p99 ms min %.2f  median %.2f  max %.2f\n", lags.front() * 1e3, bench::percentile(lags, 0.5) * 1e3,
              lags.back() * 1e3);
  return 0;
}
