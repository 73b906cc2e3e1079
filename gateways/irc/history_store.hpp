#pragma once
// Room history: one archive per XMPP user (the "owner") of the rooms they are in, in a table
// of the gateway's own (migrated through the store). Writes are batched: append() only
// queues, and one job at a time on a worker writes everything queued since the last one in a
// single transaction, so a busy room costs one disk sync per batch, not per message.
// Queries run in the same job queue, after the writes queued before them, so a client never
// misses a message it has just seen live. Retention is applied while writing (at most
// hourly), so no timer runs.
// Thread-safety: the public methods are for the loop thread; jobs touch only the store.
#include "store/sqlite_store.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace junction::irc {

struct ArchivedMessage {
  std::string owner;  ///< bare JID of the user whose archive this is
  std::string room;   ///< bare room JID
  std::string id;     ///< the stanza-id given out live, and the MAM result id
  std::int64_t ts_ms = 0;
  std::string nick;
  std::string body;
};

struct ArchiveQuery {
  std::string owner;
  std::string room;
  std::optional<std::int64_t> start_ms, end_ms;
  std::string nick;  ///< only messages from this occupant when set
  std::optional<std::string> after;   ///< RSM <after/>: the page after this id
  std::optional<std::string> before;  ///< RSM <before/>: "" = the last page
  std::size_t max = 50;
};

struct ArchivePage {
  std::vector<ArchivedMessage> messages;  ///< oldest first
  bool complete = true;  ///< nothing further in the paging direction
  std::int64_t count = 0;  ///< all matches, ignoring paging
};

class HistoryStore {
 public:
  using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;

  HistoryStore(store::SqliteStore& store, Offload offload, int retention_days);
  ~HistoryStore();

  /// Creates or upgrades the table (loop thread, at start).
  Result<void> migrate();

  /// A new unique archive id, increasing with time.
  std::string next_id();

  void append(ArchivedMessage message);
  /// done gets the page, or an error whose message is "item-not-found" for an unknown RSM id.
  void query(ArchiveQuery query, std::function<void(Result<ArchivePage>)> done);

  /// Messages waiting for their batch (for tests and statistics).
  std::size_t queued() const { return pending_.size(); }

  // The synchronous pieces, run on workers (public for tests).
  static Result<void> write(store::SqliteStore& store, const std::vector<ArchivedMessage>& batch);
  static Result<ArchivePage> run_query(store::SqliteStore& store, const ArchiveQuery& query);
  static Result<int> prune(store::SqliteStore& store, std::int64_t before_ms);

 private:
  struct Job {
    std::function<void()> prepare;  // on the loop, just before work goes to a worker
    std::function<void()> work;
    std::function<void()> done;
  };
  void schedule(Job job);
  void run_next();
  Job write_job();

  store::SqliteStore& store_;
  Offload offload_;
  int retention_days_;
  std::vector<ArchivedMessage> pending_;
  bool write_queued_ = false;
  std::deque<Job> jobs_;
  bool running_ = false;
  std::int64_t last_id_ = 0;
  std::int64_t last_prune_ms_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace junction::irc
