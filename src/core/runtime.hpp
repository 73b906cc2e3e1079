#pragma once
// The running process: one io_context, the store, the HTTP listener, the worker pool and one
// GatewayHost per configured gateway. Handles SIGTERM/SIGINT (clean shutdown) and SIGHUP
// (reload of what can change without a restart).
#include "core/config.hpp"
#include "core/gateway_host.hpp"
#include "net/http_server.hpp"
#include "store/sqlite_store.hpp"
#include "util/asio.hpp"
#include "util/event_loop_lag.hpp"
#include "util/metrics.hpp"
#include "util/worker_pool.hpp"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace junction::core {

class Runtime {
 public:
  explicit Runtime(Config config);
  ~Runtime();

  // Runs until a shutdown signal; returns the process exit status.
  int run();

 private:
  Result<void> open();
  void serve_health(const net::HttpRequest& request, net::Responder respond);
  void serve_metrics(const net::HttpRequest& request, net::Responder respond);
  void on_signal(int signal);
  void reload(std::function<void(std::string)> report);
  void shutdown();
  void tick();
  std::vector<std::pair<std::string, std::string>> global_statistics() const;
  bool is_admin(const xmpp::Jid& user) const;

  Config config_;
  asio::io_context io_;
  Metrics metrics_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<EventLoopLagMonitor> lag_;
  std::vector<std::unique_ptr<GatewayHost>> hosts_;
  asio::signal_set signals_;
  asio::steady_timer tick_timer_;
  std::set<std::string> admins_;
  std::chrono::steady_clock::time_point started_;
  bool shutting_down_ = false;
  int exit_status_ = 0;
};

}  // namespace junction::core
