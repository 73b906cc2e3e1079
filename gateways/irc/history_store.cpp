#include "gateways/irc/history_store.hpp"

#include "util/clock.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace junction::irc {
namespace {

const std::vector<std::string> migrations = {
    "CREATE TABLE irc_history ("
    " seq INTEGER PRIMARY KEY,"
    " owner TEXT NOT NULL,"
    " room TEXT NOT NULL,"
    " archive_id TEXT NOT NULL,"
    " ts INTEGER NOT NULL,"
    " nick TEXT NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE INDEX irc_history_room ON irc_history(owner, room, seq);"
    "CREATE UNIQUE INDEX irc_history_id ON irc_history(owner, archive_id);"
    "CREATE INDEX irc_history_ts ON irc_history(ts);",
};

constexpr std::int64_t prune_every_ms = 3600 * 1000;

// Filters shared by every query; NULL or '' switch a condition off, so one cached statement
// per shape serves every query.
constexpr const char* filters =
    " owner = ?1 AND room = ?2 AND (?3 IS NULL OR ts >= ?3) AND (?4 IS NULL OR ts <= ?4)"
    " AND (?5 = '' OR nick = ?5)";

Result<void> bind_filters(store::Statement& s, const ArchiveQuery& q) {
  auto opt = [&](int i, const std::optional<std::int64_t>& v) { return v ? s.bind(i, *v) : s.bind_null(i); };
  if (auto r = s.bind(1, q.owner); !r) return r;
  if (auto r = s.bind(2, q.room); !r) return r;
  if (auto r = opt(3, q.start_ms); !r) return r;
  if (auto r = opt(4, q.end_ms); !r) return r;
  return s.bind(5, q.nick);
}

}  // namespace

HistoryStore::HistoryStore(store::SqliteStore& store, Offload offload, int retention_days)
    : store_(store), offload_(std::move(offload)), retention_days_(retention_days) {}

HistoryStore::~HistoryStore() { *alive_ = false; }

Result<void> HistoryStore::migrate() {
  auto applied = store_.migrate_module("irc_history", migrations);
  if (!applied) return std::unexpected(applied.error());
  return {};
}

std::string HistoryStore::next_id() {
  using namespace std::chrono;
  auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  last_id_ = std::max(last_id_ + 1, static_cast<std::int64_t>(now));
  return fmt::format("{:014x}", last_id_);
}

void HistoryStore::append(ArchivedMessage message) {
  pending_.push_back(std::move(message));
  if (!write_queued_) {
    write_queued_ = true;
    schedule(write_job());
  }
}

HistoryStore::Job HistoryStore::write_job() {
  auto batch = std::make_shared<std::vector<ArchivedMessage>>();
  auto result = std::make_shared<Result<void>>();
  auto prune_before = std::make_shared<std::int64_t>(0);
  store::SqliteStore* store = &store_;
  Job job;
  // The batch is taken when the job starts, not when it is queued, so everything appended
  // while earlier jobs ran goes out together.
  job.prepare = [this, batch, prune_before] {
    batch->swap(pending_);
    write_queued_ = false;
    auto now = now_millis();
    if (retention_days_ > 0 && now - last_prune_ms_ > prune_every_ms) {
      last_prune_ms_ = now;
      *prune_before = now - static_cast<std::int64_t>(retention_days_) * 86400 * 1000;
    }
  };
  job.work = [store, batch, result, prune_before] {
    *result = write(*store, *batch);
    if (*prune_before > 0) (void)prune(*store, *prune_before);
  };
  job.done = [batch, result] {
    if (!*result)
      log::error("irc", "history: {} messages not archived: {}", batch->size(), result->error().message);
  };
  return job;
}

void HistoryStore::schedule(Job job) {
  jobs_.push_back(std::move(job));
  if (!running_) run_next();
}

void HistoryStore::run_next() {
  if (jobs_.empty()) {
    running_ = false;
    return;
  }
  running_ = true;
  Job job = std::move(jobs_.front());
  jobs_.pop_front();
  if (job.prepare) job.prepare();
  std::weak_ptr<bool> alive = alive_;
  offload_(std::move(job.work), [this, alive, done = std::move(job.done)] {
    if (alive.expired()) return;
    done();
    run_next();
  });
}

void HistoryStore::query(ArchiveQuery q, std::function<void(Result<ArchivePage>)> done) {
  auto result = std::make_shared<Result<ArchivePage>>();
  store::SqliteStore* store = &store_;
  Job job;
  job.work = [store, q = std::move(q), result] { *result = run_query(*store, q); };
  job.done = [result, done = std::move(done)] { done(std::move(*result)); };
  schedule(std::move(job));
}

Result<void> HistoryStore::write(store::SqliteStore& store, const std::vector<ArchivedMessage>& batch) {
  if (batch.empty()) return {};
  return store.batch([&]() -> Result<void> {
    return store.with_database([&](store::Database& db) -> Result<void> {
      auto stmt = db.cached("INSERT INTO irc_history (owner, room, archive_id, ts, nick, body)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
      if (!stmt) return std::unexpected(stmt.error());
      for (const auto& m : batch) {
        (*stmt)->reset();
        if (auto r = (*stmt)->bind_all(m.owner, m.room, m.id, m.ts_ms, m.nick, m.body); !r) return r;
        if (auto r = (*stmt)->run(); !r) return r;
      }
      return {};
    });
  });
}

Result<int> HistoryStore::prune(store::SqliteStore& store, std::int64_t before_ms) {
  return store.with_database([&](store::Database& db) -> Result<int> {
    auto stmt = db.prepare("DELETE FROM irc_history WHERE ts < ?1");
    if (!stmt) return std::unexpected(stmt.error());
    if (auto r = stmt->bind(1, before_ms); !r) return std::unexpected(r.error());
    if (auto r = stmt->run(); !r) return std::unexpected(r.error());
    return db.changes();
  });
}

Result<ArchivePage> HistoryStore::run_query(store::SqliteStore& store, const ArchiveQuery& q) {
  return store.with_database([&](store::Database& db) -> Result<ArchivePage> {
    ArchivePage page;
    // Resolve an RSM id to its position in the archive.
    auto position = [&](const std::string& id) -> Result<std::int64_t> {
      auto s = db.cached("SELECT seq FROM irc_history WHERE owner = ?1 AND archive_id = ?2");
      if (!s) return std::unexpected(s.error());
      if (auto r = (*s)->bind_all(q.owner, id); !r) return std::unexpected(r.error());
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return fail("item-not-found");
      return (*s)->column_int64(0);
    };
    std::int64_t low = 0, high = INT64_MAX;
    bool backwards = false;
    if (q.after && !q.after->empty()) {
      auto p = position(*q.after);
      if (!p) return std::unexpected(p.error());
      low = *p;
    }
    if (q.before) {
      backwards = true;
      if (!q.before->empty()) {
        auto p = position(*q.before);
        if (!p) return std::unexpected(p.error());
        high = *p;
      }
    }
    {
      auto s = db.cached(std::string("SELECT COUNT(*) FROM irc_history WHERE") + filters);
      if (!s) return std::unexpected(s.error());
      if (auto r = bind_filters(**s, q); !r) return std::unexpected(r.error());
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      page.count = *row ? (*s)->column_int64(0) : 0;
    }
    if (q.max == 0) {
      page.complete = page.count == 0;
      return page;
    }
    std::string sql = std::string("SELECT archive_id, ts, nick, body FROM irc_history WHERE") + filters +
                      " AND seq > ?6 AND seq < ?7 ORDER BY seq " + (backwards ? "DESC" : "ASC") + " LIMIT ?8";
    auto s = db.cached(sql);
    if (!s) return std::unexpected(s.error());
    if (auto r = bind_filters(**s, q); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(6, low); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(7, high); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(8, static_cast<std::int64_t>(q.max + 1)); !r) return std::unexpected(r.error());
    while (true) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      ArchivedMessage m;
      m.owner = q.owner;
      m.room = q.room;
      m.id = (*s)->column_text(0);
      m.ts_ms = (*s)->column_int64(1);
      m.nick = (*s)->column_text(2);
      m.body = (*s)->column_text(3);
      page.messages.push_back(std::move(m));
    }
    page.complete = page.messages.size() <= q.max;
    if (!page.complete) page.messages.pop_back();
    if (backwards) std::reverse(page.messages.begin(), page.messages.end());
    return page;
  });
}

}  // namespace junction::irc
