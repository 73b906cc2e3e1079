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

Result<bool> XmppDelivery::deliver(const xmpp::Element& stanza, const std::string& key, const std::string& user) {
  store::OutboxEntry entry;
  entry.gateway = gateway_;
  entry.direction = store::Direction::to_xmpp;
  entry.key = key;
  entry.user = user;
  entry.payload = stanza.to_string("jabber:component:accept");
  auto stored = outbox_.enqueue(entry);
  if (!stored) return fail("could not store the stanza: " + stored.error().message);
  if (!stored->inserted) return false;
  // While the backlog is being replayed, new entries wait their turn so order is kept.
  if (!backlog_pending_ && link_.online() && link_.write_serialized(entry.payload)) {
    written_.push_back(stored->id);
    request_barrier();
  }
  return true;
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
