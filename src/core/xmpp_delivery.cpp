#include "core/xmpp_delivery.hpp"

#include "util/log.hpp"

#include <algorithm>

namespace junction::core {

XmppDelivery::XmppDelivery(std::string gateway, store::OutboxRepository& outbox, StanzaLink& link,
                           Metrics& metrics, int page_size, std::size_t max_barriers)
    : gateway_(std::move(gateway)),
      outbox_(outbox),
      link_(link),
      page_size_(page_size),
      max_barriers_(std::max<std::size_t>(1, max_barriers)),
      confirmed_(metrics.counter("junction_delivery_confirmed_total",
                                 "Legacy-to-XMPP stanzas confirmed by a ping barrier", {{"gateway", gateway_}})),
      resent_(metrics.counter("junction_delivery_written_from_backlog_total",
                              "Stored stanzas written after a (re)connect", {{"gateway", gateway_}})) {}

store::OutboxEntry XmppDelivery::make_entry(const xmpp::Element& stanza, const std::string& key,
                                            const std::string& user) const {
  store::OutboxEntry entry;
  entry.gateway = gateway_;
  entry.direction = store::Direction::to_xmpp;
  entry.key = key;
  entry.user = user;
  entry.payload = stanza.to_string("jabber:component:accept");
  return entry;
}

void XmppDelivery::write_stored(const store::OutboxEntry& entry, std::int64_t id) {
  // While the backlog is being replayed, new entries wait their turn so order is kept.
  if (!backlog_pending_ && link_.online() && link_.write_serialized(entry.payload)) written_.push_back(id);
}

Result<bool> XmppDelivery::deliver(const xmpp::Element& stanza, const std::string& key, const std::string& user) {
  auto entry = make_entry(stanza, key, user);
  auto stored = outbox_.enqueue(entry);
  if (!stored) return fail("could not store the stanza: " + stored.error().message);
  if (!stored->inserted) return false;
  write_stored(entry, stored->id);
  request_barrier();
  return true;
}

void XmppDelivery::enable_group_commit(Offload offload, Transaction transaction) {
  offload_ = std::move(offload);
  transaction_ = std::move(transaction);
}

void XmppDelivery::deliver_async(const xmpp::Element& stanza, const std::string& key, const std::string& user,
                                 std::function<void(Result<bool>)> done) {
  if (!offload_ || !transaction_) return done(deliver(stanza, key, user));
  waiting_.push_back(Pending{make_entry(stanza, key, user), std::move(done)});
  if (!committing_) commit_waiting();
}

void XmppDelivery::commit_waiting() {
  if (waiting_.empty()) return;
  committing_ = true;
  auto batch = std::make_shared<std::vector<Pending>>(std::move(waiting_));
  waiting_.clear();
  offload_(
      [batch, &outbox = outbox_, transaction = transaction_] {
        auto committed = transaction([&]() -> Result<void> {
          for (auto& pending : *batch) {
            pending.result = outbox.enqueue(pending.entry);
            if (!pending.result) return std::unexpected(pending.result.error());
          }
          return {};
        });
        // A failed transaction rolled back every entry of the batch, not just the one that failed.
        if (!committed)
          for (auto& pending : *batch) pending.result = std::unexpected(committed.error());
      },
      [this, batch, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        committing_ = false;
        finish_batch(*batch);
        commit_waiting();
      });
}

void XmppDelivery::finish_batch(std::vector<Pending>& batch) {
  for (auto& pending : batch) {
    if (!pending.result) {
      pending.done(fail("could not store the stanza: " + pending.result.error().message));
    } else if (!pending.result->inserted) {
      pending.done(false);
    } else {
      write_stored(pending.entry, pending.result->id);
      pending.done(true);
    }
  }
  request_barrier();
}

std::size_t XmppDelivery::unconfirmed() const {
  std::size_t n = written_.size();
  for (const auto& ids : awaiting_) n += ids.size();
  return n;
}

void XmppDelivery::on_online() {
  ++epoch_;
  written_.clear();
  awaiting_.clear();
  backlog_pending_ = true;
  pump_backlog();
}

void XmppDelivery::on_offline() {
  ++epoch_;
  written_.clear();
  awaiting_.clear();
  backlog_pending_ = true;
}

void XmppDelivery::pump_backlog() {
  // Replay is paced a page per barrier so a long backlog never floods the stream.
  if (!link_.online() || !awaiting_.empty() || !written_.empty()) return;
  auto page = outbox_.undelivered(gateway_, store::Direction::to_xmpp, page_size_);
  if (!page) {
    log::error("delivery", "{}: cannot read the outbox: {}", gateway_, page.error().message);
    return;
  }
  if (page->empty()) {
    backlog_pending_ = false;
    return;
  }
  for (const auto& entry : *page) {
    if (!link_.write_serialized(entry.payload)) return;  // went offline; on_online starts over
    written_.push_back(entry.id);
    resent_.inc();
  }
  log::debug("delivery", "{}: wrote {} stored stanzas", gateway_, page->size());
  request_barrier();
}

void XmppDelivery::request_barrier() {
  if (written_.empty() || awaiting_.size() >= max_barriers_) return;
  awaiting_.push_back(std::move(written_));
  written_.clear();
  link_.barrier([this, epoch = epoch_](bool answered) { barrier_done(epoch, answered); });
}

void XmppDelivery::barrier_done(std::uint64_t epoch, bool answered) {
  if (epoch != epoch_ || awaiting_.empty()) return;
  if (!answered) return;  // the stream is going down; on_online replays what is left
  // The server answers pings in the order they were sent: this answer is the oldest's.
  std::vector<std::int64_t> confirmed = std::move(awaiting_.front());
  awaiting_.pop_front();
  if (auto marked = outbox_.set_state_many(confirmed, store::OutboxState::done); !marked) {
    // Not fatal: the entries stay pending and are written again after the next reconnect.
    log::error("delivery", "{}: cannot mark {} stanzas delivered: {}", gateway_, confirmed.size(),
               marked.error().message);
  } else {
    confirmed_.inc(confirmed.size());
  }
  if (!written_.empty())
    request_barrier();
  else if (backlog_pending_)
    pump_backlog();
}

}  // namespace junction::core
