#pragma once
// Durable XMPP->legacy sending for one gateway: entries wait in the outbox and are handed to
// the gateway's sender; transient failures retry with exponential backoff (or the provider's
// Retry-After) until `max_attempts`, permanent ones fail at once. Nothing is sent twice by us:
// an entry is marked done before the next attempt could pick it up, and at most
// `concurrency` attempts run at once. Idle, it costs one timer that is not armed.
#include "core/gateway.hpp"
#include "core/group_commit.hpp"
#include "store/repositories.hpp"
#include "util/asio.hpp"
#include "util/metrics.hpp"

#include <chrono>
#include <functional>
#include <set>
#include <string>

namespace junction::core {

class LegacyOutbox {
 public:
  struct Options {
    int max_attempts = 12;
    std::chrono::milliseconds retry_base{2'000};
    std::chrono::milliseconds retry_max{10 * 60'000};
    int concurrency = 64;
    std::chrono::milliseconds poll_interval{1'000};
  };
  using FailureHandler = std::function<void(const store::OutboxEntry&, const std::string& reason)>;

  LegacyOutbox(asio::io_context& io, std::string gateway, store::OutboxRepository& outbox, Metrics& metrics,
               Options options);
  LegacyOutbox(asio::io_context& io, std::string gateway, store::OutboxRepository& outbox, Metrics& metrics);
  ~LegacyOutbox();

  // State changes (and enqueue_async) then commit in groups on a worker; see GroupCommit.
  void enable_group_commit(GroupCommit::Offload offload, GroupCommit::Transaction transaction) {
    commits_.configure(std::move(offload), std::move(transaction));
  }
  void set_sender(LegacySender sender);
  void set_failure_handler(FailureHandler handler) { on_failure_ = std::move(handler); }
  Result<store::EnqueueResult> enqueue(store::OutboxEntry entry);
  // The same, committed with other waiting writes on a worker; `done` runs on the loop.
  void enqueue_async(store::OutboxEntry entry, std::function<void(Result<store::EnqueueResult>)> done);
  void stop();
  std::size_t in_flight() const { return in_flight_.size(); }

 private:
  void kick();
  void run_due();
  void finish(const store::OutboxEntry& entry, const SendOutcome& outcome);
  store::OutboxEntry prepare(store::OutboxEntry entry) const;
  void arm_timer();
  std::chrono::milliseconds retry_delay(int attempts) const;

  asio::io_context& io_;
  std::string gateway_;
  store::OutboxRepository& outbox_;
  Options options_;
  LegacySender sender_;
  FailureHandler on_failure_;
  asio::steady_timer timer_;
  GroupCommit commits_;
  // Entries being sent, or whose outcome is not committed yet: never picked up again.
  std::set<std::int64_t> in_flight_;
  bool kick_posted_ = false;
  bool timer_armed_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Counter& sent_;
  Counter& retried_;
  Counter& failed_;
};

}  // namespace junction::core
