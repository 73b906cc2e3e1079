#pragma once
// Durable legacy->XMPP delivery for one gateway domain (DESIGN 1, "Message flow").
// A stanza is stored in the outbox (de-duplicated by key) before deliver() returns, written
// to the stream when it is online, and marked done only after a later ping barrier on the
// same stream was answered. Barriers are pipelined (up to `max_barriers` pings in flight, each
// covering what was written before it), so what is unconfirmed at any moment is about one
// round trip's worth of writes. After a reconnect (or a restart) every entry not yet confirmed
// is written again, oldest first, a page at a time. So duplicates are limited to the stanzas
// of the barrier window in flight when a stream or the process died.
#include "core/stanza_link.hpp"
#include "store/repositories.hpp"
#include "util/metrics.hpp"
#include "util/result.hpp"
#include "xmpp/element.hpp"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace junction::core {

class XmppDelivery {
 public:
  XmppDelivery(std::string gateway, store::OutboxRepository& outbox, StanzaLink& link, Metrics& metrics,
               int page_size = 500, std::size_t max_barriers = 8);

  // true: stored and (if online) written; false: the key was known, nothing stored again.
  Result<bool> deliver(const xmpp::Element& stanza, const std::string& key, const std::string& user);

  // Stream state changes, called by the host.
  void on_online();
  void on_offline();

  std::size_t unconfirmed() const;
  bool flushing_backlog() const { return backlog_pending_; }

 private:
  void pump_backlog();
  void request_barrier();
  void barrier_done(std::uint64_t epoch, bool answered);

  std::string gateway_;
  store::OutboxRepository& outbox_;
  StanzaLink& link_;
  int page_size_;
  std::size_t max_barriers_;
  Counter& confirmed_;
  Counter& resent_;

  std::uint64_t epoch_ = 0;  // bumped per stream; stale barrier answers are ignored
  bool backlog_pending_ = true;  // until a backlog page comes back empty after going online
  std::vector<std::int64_t> written_;               // written since the last barrier was sent
  std::deque<std::vector<std::int64_t>> awaiting_;  // per barrier in flight, oldest first
};

}  // namespace junction::core
