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
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace junction::core {

class XmppDelivery {
 public:
  XmppDelivery(std::string gateway, store::OutboxRepository& outbox, StanzaLink& link, Metrics& metrics,
               int page_size = 500, std::size_t max_barriers = 8);
  ~XmppDelivery() { *alive_ = false; }
  XmppDelivery(const XmppDelivery&) = delete;
  XmppDelivery& operator=(const XmppDelivery&) = delete;

  // true: stored and (if online) written; false: the key was known, nothing stored again.
  Result<bool> deliver(const xmpp::Element& stanza, const std::string& key, const std::string& user);

  // Group commit: `offload` runs work on a worker and its continuation on the loop;
  // `transaction` runs work in one store transaction (SqliteStore::batch). Without them
  // deliver_async() stores synchronously.
  using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;
  using Transaction = std::function<Result<void>(const std::function<Result<void>()>&)>;
  void enable_group_commit(Offload offload, Transaction transaction);
  // deliver(), but stored with whatever else is waiting in one transaction on a worker; one
  // batch is committed at a time and the next gathers everything that arrived meanwhile, so
  // the batch size follows the load with no timer. `done` runs on the loop.
  void deliver_async(const xmpp::Element& stanza, const std::string& key, const std::string& user,
                     std::function<void(Result<bool>)> done);

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

  struct Pending {
    store::OutboxEntry entry;
    std::function<void(Result<bool>)> done;
    Result<store::EnqueueResult> result = store::EnqueueResult{};
  };
  store::OutboxEntry make_entry(const xmpp::Element& stanza, const std::string& key, const std::string& user) const;
  void write_stored(const store::OutboxEntry& entry, std::int64_t id);
  void commit_waiting();
  void finish_batch(std::vector<Pending>& batch);
  Offload offload_;
  Transaction transaction_;
  std::vector<Pending> waiting_;  // queued for the next group commit
  bool committing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // a batch on a worker may outlive us
};

}  // namespace junction::core
