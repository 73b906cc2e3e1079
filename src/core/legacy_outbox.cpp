#include "core/legacy_outbox.hpp"

#include "util/log.hpp"

#include <cmath>
#include <random>

namespace junction::core {
namespace {
store::Millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

LegacyOutbox::LegacyOutbox(asio::io_context& io, std::string gateway, store::OutboxRepository& outbox,
                           Metrics& metrics)
    : LegacyOutbox(io, std::move(gateway), outbox, metrics, Options{}) {}

LegacyOutbox::LegacyOutbox(asio::io_context& io, std::string gateway, store::OutboxRepository& outbox,
                           Metrics& metrics, Options options)
    : io_(io),
      gateway_(std::move(gateway)),
      outbox_(outbox),
      options_(options),
      timer_(io),
      sent_(metrics.counter("junction_legacy_sent_total", "Messages accepted by the legacy network",
                            {{"gateway", gateway_}})),
      retried_(metrics.counter("junction_legacy_retries_total", "Transient failures scheduled for retry",
                               {{"gateway", gateway_}})),
      failed_(metrics.counter("junction_legacy_failed_total", "Messages that failed for good",
                              {{"gateway", gateway_}})) {}

LegacyOutbox::~LegacyOutbox() { *alive_ = false; }

void LegacyOutbox::set_sender(LegacySender sender) {
  sender_ = std::move(sender);
  kick();  // entries left from before a restart
}

Result<store::EnqueueResult> LegacyOutbox::enqueue(store::OutboxEntry entry) {
  entry.gateway = gateway_;
  entry.direction = store::Direction::to_legacy;
  entry.state = store::OutboxState::pending;
  if (entry.next_attempt_at == 0) entry.next_attempt_at = now_millis();
  auto result = outbox_.enqueue(entry);
  if (result && result->inserted) kick();
  return result;
}

void LegacyOutbox::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LegacyOutbox::kick() {
  if (kick_posted_ || stopped_) return;
  kick_posted_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    kick_posted_ = false;
    run_due();
  });
}

void LegacyOutbox::run_due() {
  if (!sender_ || stopped_) return;
  int room = options_.concurrency - static_cast<int>(in_flight_.size());
  if (room > 0) {
    auto due = outbox_.due(gateway_, store::Direction::to_legacy, now_millis(), room + static_cast<int>(in_flight_.size()));
    if (!due) {
      log::error("outbox", "{}: cannot read the outbox: {}", gateway_, due.error().message);
    } else {
      for (const auto& entry : *due) {
        if (room == 0) break;
        if (!in_flight_.insert(entry.id).second) continue;
        --room;
        sender_(entry, [this, alive = std::weak_ptr<bool>(alive_), entry](SendOutcome outcome) {
          if (alive.expired()) return;
          // Outcomes may arrive inside the sender call; finish on a fresh stack either way.
          asio::post(io_, [this, alive, entry, outcome = std::move(outcome)] {
            if (!alive.expired()) finish(entry, outcome);
          });
        });
      }
    }
  }
  arm_timer();
}

void LegacyOutbox::arm_timer() {
  if (timer_armed_ || stopped_) return;
  auto depth = outbox_.depth(gateway_, store::Direction::to_legacy);
  if (!depth || *depth == 0) return;
  timer_armed_ = true;
  timer_.expires_after(options_.poll_interval);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (alive.expired()) return;
    timer_armed_ = false;
    if (!ec) run_due();
  });
}

std::chrono::milliseconds LegacyOutbox::retry_delay(int attempts) const {
  static thread_local std::mt19937 engine{std::random_device{}()};
  double ceiling = static_cast<double>(options_.retry_base.count()) * std::pow(2.0, std::min(attempts - 1, 20));
  ceiling = std::min(ceiling, static_cast<double>(options_.retry_max.count()));
  double delay = ceiling / 2 + std::uniform_real_distribution<double>(0.0, ceiling / 2)(engine);
  return std::chrono::milliseconds(static_cast<long>(delay));
}

void LegacyOutbox::finish(const store::OutboxEntry& entry, const SendOutcome& outcome) {
  in_flight_.erase(entry.id);
  int attempts = entry.attempts + 1;
  switch (outcome.kind) {
    case SendOutcome::Kind::success:
      if (!outcome.provider_ref.empty()) (void)outbox_.set_provider_ref(entry.id, outcome.provider_ref);
      if (auto r = outbox_.set_state(entry.id, store::OutboxState::done); !r)
        log::error("outbox", "{}: cannot mark entry {} sent: {}", gateway_, entry.id, r.error().message);
      sent_.inc();
      break;
    case SendOutcome::Kind::transient:
      if (attempts < options_.max_attempts) {
        auto delay = outcome.retry_after.value_or(retry_delay(attempts));
        log::warn("outbox", "{}: entry {} failed (attempt {}), retrying in {} ms: {}", gateway_, entry.id, attempts,
                  delay.count(), outcome.error);
        (void)outbox_.schedule_retry(entry.id, now_millis() + delay.count(), outcome.error);
        retried_.inc();
        break;
      }
      [[fallthrough]];
    case SendOutcome::Kind::permanent: {
      std::string reason = outcome.kind == SendOutcome::Kind::permanent
                               ? outcome.error
                               : "gave up after " + std::to_string(attempts) + " attempts: " + outcome.error;
      log::warn("outbox", "{}: entry {} failed: {}", gateway_, entry.id, reason);
      (void)outbox_.set_state(entry.id, store::OutboxState::failed, reason);
      failed_.inc();
      if (on_failure_) on_failure_(entry, reason);
      break;
    }
  }
  kick();
}

}  // namespace junction::core
