#include "core/xmpp_delivery.hpp"

#include "util/log.hpp"

namespace junction::core {

XmppDelivery::XmppDelivery(std::string gateway, store::OutboxRepository& outbox, StanzaLink& link,
                           Metrics& metrics, int page_size)
    : gateway_(std::move(gateway)),
      outbox_(outbox),
      link_(link),
      page_size_(page_size),
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

void XmppDelivery::on_online() {
  ++epoch_;
  barrier_in_flight_ = false;
  written_.clear();
  awaiting_.clear();
  backlog_pending_ = true;
  pump_backlog();
}

void XmppDelivery::on_offline() {
  ++epoch_;
  barrier_in_flight_ = false;
  written_.clear();
  awaiting_.clear();
  backlog_pending_ = true;
}

void XmppDelivery::pump_backlog() {
  if (!link_.online() || barrier_in_flight_ || !written_.empty()) return;
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
  if (barrier_in_flight_ || written_.empty()) return;
  awaiting_ = std::move(written_);
  written_.clear();
  barrier_in_flight_ = true;
  link_.barrier([this, epoch = epoch_](bool answered) { barrier_done(epoch, answered); });
}

void XmppDelivery::barrier_done(std::uint64_t epoch, bool answered) {
  if (epoch != epoch_) return;
  barrier_in_flight_ = false;
  if (!answered) return;  // the stream is going down; on_online replays what is left
  if (auto marked = outbox_.set_state_many(awaiting_, store::OutboxState::done); !marked) {
    // Not fatal: the entries stay pending and are written again after the next reconnect.
    log::error("delivery", "{}: cannot mark {} stanzas delivered: {}", gateway_, awaiting_.size(),
               marked.error().message);
  } else {
    confirmed_.inc(awaiting_.size());
  }
  awaiting_.clear();
  if (!written_.empty())
    request_barrier();
  else if (backlog_pending_)
    pump_backlog();
}

}  // namespace junction::core
