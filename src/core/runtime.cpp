#include "core/runtime.hpp"

#include "util/log.hpp"

#include <csignal>

namespace junction::core {
namespace {
constexpr auto shutdown_grace = std::chrono::seconds(10);
constexpr auto tick_interval = std::chrono::seconds(5);
constexpr std::int64_t keep_finished_ms = 24LL * 3600 * 1000;  // done outbox rows kept a day

std::string json_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else
          out += c;
    }
  }
  return out;
}

std::string format_duration(std::chrono::seconds s) {
  auto total = s.count();
  return fmt::format("{}d {:02}:{:02}:{:02}", total / 86400, total / 3600 % 24, total / 60 % 60, total % 60);
}
}  // namespace

Runtime::Runtime(Config config)
    : config_(std::move(config)), signals_(io_), tick_timer_(io_), started_(std::chrono::steady_clock::now()) {
  for (const auto& admin : config_.admins) admins_.insert(admin);
}

Runtime::~Runtime() = default;

Result<void> Runtime::open() {
  auto store = store::SqliteStore::open(config_.storage_path);
  if (!store) return fail("cannot open the database " + config_.storage_path + ": " + store.error().message);
  store_ = std::move(*store);
  workers_ = std::make_unique<WorkerPool>(io_, 2);

  if (config_.http.listen) {
    net::HttpServer::Options options;
    options.listen = config_.http.listen->str();
    http_ = std::make_unique<net::HttpServer>(io_, options);
    http_->route("GET", "/healthz", [this](const net::HttpRequest& r, net::Responder respond) {
      serve_health(r, std::move(respond));
    });
    http_->route("GET", "/metrics", [this](const net::HttpRequest& r, net::Responder respond) {
      serve_metrics(r, std::move(respond));
    });
  }

  for (const auto& gateway : config_.gateways) {
    HostEnvironment env;
    env.io = &io_;
    env.store = store_.get();
    env.metrics = &metrics_;
    env.http = http_.get();
    env.workers = workers_.get();
    env.store_batch = [store = store_.get()](const std::function<Result<void>()>& work) { return store->batch(work); };
    env.public_url = config_.http.public_url;
    env.started_at = started_;
    env.is_admin = [this](const xmpp::Jid& user) { return is_admin(user); };
    env.reload = [this](std::function<void(std::string)> report) { reload(std::move(report)); };
    env.global_statistics = [this] { return global_statistics(); };
    auto host = std::make_unique<GatewayHost>(std::move(env), gateway, config_.xmpp);
    if (auto ok = host->init(); !ok) return fail(gateway.name + ": " + ok.error().message);
    hosts_.push_back(std::move(host));
  }

  if (http_) {
    if (auto ok = http_->start(); !ok)
      return fail("cannot listen for HTTP on " + config_.http.listen->str() + ": " + ok.error().message);
    log::info("runtime", "HTTP listening on {}", config_.http.listen->str());
  }
  return {};
}

int Runtime::run() {
  if (auto ok = open(); !ok) {
    log::error("runtime", "{}", ok.error().message);
    return 1;
  }
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  std::function<void()> wait_signal = [this, &wait_signal] {
    signals_.async_wait([this, &wait_signal](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      on_signal(signal);
      wait_signal();
    });
  };
  wait_signal();

  lag_ = std::make_unique<EventLoopLagMonitor>(io_, metrics_);
  lag_->start();
  for (auto& host : hosts_) host->start();
  tick();
  log::info("runtime", "Junction {} running {} gateway(s)", JUNCTION_VERSION, hosts_.size());
  io_.run();
  log::info("runtime", "stopped");
  return exit_status_;
}

void Runtime::on_signal(int signal) {
  if (signal == SIGHUP) {
    reload([](const std::string& summary) { log::info("runtime", "reload: {}", summary); });
    return;
  }
  log::info("runtime", "received {}, shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  shutdown();
}

void Runtime::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  tick_timer_.cancel();
  auto remaining = std::make_shared<std::size_t>(hosts_.size());
  auto finished = std::make_shared<bool>(false);
  auto finish = [this, finished] {
    if (*finished) return;
    *finished = true;
    if (http_) http_->stop();
    if (lag_) lag_->stop();
    signals_.cancel();
    workers_->stop();
    io_.stop();
  };
  auto guard = std::make_shared<asio::steady_timer>(io_, shutdown_grace);
  guard->async_wait([finish, guard](const boost::system::error_code& ec) {
    if (!ec) {
      log::warn("runtime", "shutdown took longer than {} s; stopping anyway", shutdown_grace.count());
      finish();
    }
  });
  if (hosts_.empty()) return finish();
  for (auto& host : hosts_) {
    host->stop([remaining, finish, guard] {
      if (--*remaining == 0) {
        guard->cancel();
        finish();
      }
    });
  }
}

void Runtime::reload(std::function<void(std::string)> report) {
  auto loaded = load_config(config_.source_path);
  for (const auto& issue : loaded.issues) {
    if (issue.fatal)
      log::error("config", "{}", format_issue(issue));
    else
      log::warn("config", "{}", format_issue(issue));
  }
  if (!loaded.config) return report("the configuration has errors; nothing was changed");
  Config& fresh = *loaded.config;
  std::vector<std::string> changed;
  if (fresh.log_level != config_.log_level) {
    log::set_level(fresh.log_level);
    changed.push_back(fmt::format("log level {}", log::level_name(fresh.log_level)));
  }
  if (fresh.admins != config_.admins) {
    admins_ = std::set<std::string>(fresh.admins.begin(), fresh.admins.end());
    changed.push_back(fmt::format("{} admin(s)", admins_.size()));
  }
  for (const auto& gateway : fresh.gateways) {
    auto it = std::find_if(hosts_.begin(), hosts_.end(), [&](const auto& h) { return h->name() == gateway.name; });
    if (it == hosts_.end()) {
      changed.push_back("gateway " + gateway.name + " is new: restart to start it");
      continue;
    }
    (*it)->reload(gateway);
  }
  config_.log_level = fresh.log_level;
  config_.admins = fresh.admins;
  std::string summary = "reloaded " + config_.source_path;
  for (const auto& c : changed) summary += "; " + c;
  report(summary);
}

bool Runtime::is_admin(const xmpp::Jid& user) const { return admins_.count(user.bare_str()) > 0; }

void Runtime::tick() {
  if (shutting_down_) return;
  for (const auto& host : hosts_) {
    for (auto [direction, label] : {std::pair{store::Direction::to_xmpp, "to_xmpp"},
                                    std::pair{store::Direction::to_legacy, "to_legacy"}}) {
      auto depth = store_->outbox().depth(host->name(), direction);
      if (depth)
        metrics_
            .gauge("junction_outbox_depth", "Entries waiting in the durable outbox",
                   {{"gateway", host->name()}, {"direction", label}})
            .set(static_cast<double>(*depth));
    }
  }
  static int ticks = 0;
  if (++ticks % 720 == 1) {  // about hourly: drop finished rows and old de-duplication keys
    using namespace std::chrono;
    auto cutoff = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() - keep_finished_ms;
    workers_->run([this, cutoff] {
      (void)store_->outbox().prune(cutoff);
      (void)store_->dedupe().prune(cutoff - 6 * keep_finished_ms);
    }, [] {});
  }
  tick_timer_.expires_after(tick_interval);
  tick_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

std::vector<std::pair<std::string, std::string>> Runtime::global_statistics() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("uptime", format_duration(uptime));
  rows.emplace_back("version", JUNCTION_VERSION);
  // Per-kind stanza counters from the metrics registry, this process's lifetime.
  for (const auto& host : hosts_) {
    for (const char* direction : {"in", "out"})
      for (const char* kind : {"message", "presence", "iq"}) {
        auto& counter = const_cast<Metrics&>(metrics_).counter(
            std::string("junction_stanzas_") + direction + "_total", "", {{"gateway", host->name()}, {"kind", kind}});
        rows.emplace_back(fmt::format("{} stanzas {} ({})", kind, direction, host->name()),
                          std::to_string(counter.value()));
      }
  }
  return rows;
}

void Runtime::serve_health(const net::HttpRequest&, net::Responder respond) {
  bool all_online = !hosts_.empty();
  std::string body = "{\"gateways\":{";
  bool first = true;
  for (const auto& host : hosts_) {
    bool online = host->stream_online();
    all_online = all_online && online;
    if (!first) body += ",";
    first = false;
    body += fmt::format("\"{}\":{{\"domain\":\"{}\",\"stream\":\"{}\",\"online\":{}}}", json_escape(host->name()),
                        json_escape(host->domain()), json_escape(host->stream_state()), online ? "true" : "false");
  }
  body += fmt::format("}},\"status\":\"{}\"}}\n", all_online ? "ok" : "unavailable");
  net::HttpResponse response;
  response.status = all_online ? 200 : 503;
  response.content_type = "application/json";
  response.body = std::move(body);
  respond(std::move(response));
}

void Runtime::serve_metrics(const net::HttpRequest&, net::Responder respond) {
  auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  metrics_.gauge("junction_uptime_seconds", "Seconds since the process started").set(uptime);
  net::HttpResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics_.render();
  respond(std::move(response));
}

}  // namespace junction::core
