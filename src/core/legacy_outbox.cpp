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

store::OutboxEntry LegacyOutbox::prepare(store::OutboxEntry entry) const {
  entry.gateway = gateway_;
  entry.direction = store::Direction::to_legacy;
  entry.state = store::OutboxState::pending;
  if (entry.next_attempt_at == 0) entry.next_attempt_at = now_millis();
  return entry;
}

Result<store::EnqueueResult> LegacyOutbox::enqueue(store::OutboxEntry entry) {
  auto result = outbox_.enqueue(prepare(std::move(entry)));
  if (result && result->inserted) kick();
  return result;
}

void LegacyOutbox::enqueue_async(store::OutboxEntry entry,
                                 std::function<void(Result<store::EnqueueResult>)> done) {
  auto prepared = std::make_shared<store::OutboxEntry>(prepare(std::move(entry)));
  auto outcome = std::make_shared<Result<store::EnqueueResult>>(store::EnqueueResult{});
  commits_.submit(
      [this, prepared, outcome]() -> Result<void> {
        *outcome = outbox_.enqueue(*prepared);
        if (!*outcome) return std::unexpected(outcome->error());
        return {};
      },
      [this, outcome, done = std::move(done)](Result<void> committed) {
        if (!committed) *outcome = std::unexpected(committed.error());
        if (*outcome && (*outcome)->inserted) kick();
        if (done) done(std::move(*outcome));
      });
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
  const int attempts = entry.attempts + 1;
  std::function<Result<void>()> write;
  std::string failure;  // set when the entry failed for good
  switch (outcome.kind) {
    case SendOutcome::Kind::success:
      write = [this, id = entry.id, ref = outcome.provider_ref]() -> Result<void> {
        if (!ref.empty())
          if (auto r = outbox_.set_provider_ref(id, ref); !r) return r;
        return outbox_.set_state(id, store::OutboxState::done);
      };
      sent_.inc();
      break;
    case SendOutcome::Kind::transient:
      if (attempts < options_.max_attempts) {
        auto delay = outcome.retry_after.value_or(retry_delay(attempts));
        log::warn("outbox", "{}: entry {} failed (attempt {}), retrying in {} ms: {}", gateway_, entry.id, attempts,
                  delay.count(), outcome.error);
        write = [this, id = entry.id, at = now_millis() + delay.count(), error = outcome.error] {
          return outbox_.schedule_retry(id, at, error);
        };
        retried_.inc();
        break;
      }
      [[fallthrough]];
    case SendOutcome::Kind::permanent:
      failure = outcome.kind == SendOutcome::Kind::permanent
                    ? outcome.error
                    : "gave up after " + std::to_string(attempts) + " attempts: " + outcome.error;
      log::warn("outbox", "{}: entry {} failed: {}", gateway_, entry.id, failure);
      write = [this, id = entry.id, failure] { return outbox_.set_state(id, store::OutboxState::failed, failure); };
      failed_.inc();
      break;
  }
  // The entry stays "in flight" until its new state is committed, so it can't be sent twice.
  commits_.submit(std::move(write), [this, entry, failure](Result<void> committed) {
    in_flight_.erase(entry.id);
    if (!committed)
      log::error("outbox", "{}: cannot record the outcome of entry {}: {}", gateway_, entry.id,
                 committed.error().message);
    if (!failure.empty() && on_failure_) on_failure_(entry, failure);
    kick();
  });
}

}  // namespace junction::core
