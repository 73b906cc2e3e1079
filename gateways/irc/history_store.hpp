#pragma once
// Room history: one archive per XMPP user (the "owner") of the rooms they are in, in tables
// of the gateway's own (migrated through the store). Each (owner, room) pair is a
// "conversation" with an integer id, and a message is one row keyed by (conversation, seq),
// where seq is the numeric value of its archive id: one B-tree insert per message, an RSM id
// found without an index, and retention pruned per conversation by seq range. The loop keeps
// the conversation ids it has learnt, so a queued message carries an integer rather than the
// two JIDs. Writes are batched: append() only
// queues, and one job at a time on a worker writes everything queued since the last one in a
// single transaction, so a busy room costs one disk sync per batch, not per message.
// Queries run in the same job queue, after the writes queued before them, so a client never
// misses a message it has just seen live. Retention is applied while writing (at most
// hourly), so no timer runs.
// Thread-safety: the public methods are for the loop thread; jobs touch only the store.
#include "store/sqlite_store.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
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

  /// Runs `then` on the loop after `delay` (a timer); without one, every batch starts at once.
  using Defer = std::function<void(std::chrono::milliseconds delay, std::function<void()> then)>;

  HistoryStore(store::SqliteStore& store, Offload offload, int retention_days);
  /// Writes wait up to `window` for more messages to join their batch: a busy archive spread
  /// over many conversations dirties fewer pages per message in bigger transactions. Queries
  /// never wait for the window: they send the batch on its way first.
  void set_write_window(Defer defer, std::chrono::milliseconds window) {
    defer_ = std::move(defer);
    write_window_ = window;
  }
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
  /// Deletes what was archived before before_ms, conversation by conversation.
  static Result<int> prune(store::SqliteStore& store, std::int64_t before_ms);

 private:
  // A message waiting for its batch. owner and room are filled only while the
  // conversation's id is unknown (conv == 0); the worker resolves them.
  struct Row {
    std::int64_t conv = 0;
    std::int64_t seq = 0;
    std::int64_t ts_ms = 0;
    std::string nick;
    std::string body;
    std::string owner;
    std::string room;
  };
  using Conversation = std::pair<std::string, std::string>;  // owner, room
  // Heterogeneous lookup: append() finds a conversation from the message's strings as views.
  struct ConversationHash {
    using is_transparent = void;
    std::size_t operator()(std::pair<std::string_view, std::string_view> key) const noexcept;
    std::size_t operator()(const Conversation& key) const noexcept {
      return (*this)(std::pair<std::string_view, std::string_view>(key.first, key.second));
    }
  };
  struct ConversationEqual {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return std::string_view(a.first) == std::string_view(b.first) &&
             std::string_view(a.second) == std::string_view(b.second);
    }
  };
  using ConversationIds = std::unordered_map<Conversation, std::int64_t, ConversationHash, ConversationEqual>;

  static Result<void> write_rows(store::SqliteStore& store, std::vector<Row>& batch);

  struct Job {
    std::function<void()> prepare;  // on the loop, just before work goes to a worker
    std::function<void()> work;
    std::function<void()> done;
  };
  void schedule(Job job);
  /// Queues the gathering batch's write job now (window over, or a query wants it first).
  void close_window();
  void run_next();
  Job write_job();

  store::SqliteStore& store_;
  Offload offload_;
  int retention_days_;
  std::vector<Row> pending_;
  ConversationIds conversations_;  // learnt from the worker after each batch
  bool write_queued_ = false;
  bool window_open_ = false;  // a batch is gathering; its write job is not queued yet
  Defer defer_;
  std::chrono::milliseconds write_window_{0};
  std::deque<Job> jobs_;
  bool running_ = false;
  std::int64_t last_id_ = 0;
  std::int64_t last_prune_ms_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace junction::irc
