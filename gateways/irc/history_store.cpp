#include "gateways/irc/history_store.hpp"

#include "util/clock.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

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
    // One row per message in a table clustered on (conversation, seq), no other index.
    // Rows of the old table get seq = ts * 1000 + their rank within that millisecond, so
    // they keep their time order and sort below every id given out since (next_id counts
    // microseconds). Their RSM ids change with it: acceptable before the first release.
    "CREATE TABLE irc_conversations ("
    " id INTEGER PRIMARY KEY,"
    " owner TEXT NOT NULL,"
    " room TEXT NOT NULL,"
    " UNIQUE (owner, room));"
    "CREATE TABLE irc_log ("
    " conv INTEGER NOT NULL,"
    " seq INTEGER NOT NULL,"
    " ts INTEGER NOT NULL,"
    " nick TEXT NOT NULL,"
    " body TEXT NOT NULL,"
    " PRIMARY KEY (conv, seq)) WITHOUT ROWID;"
    "INSERT INTO irc_conversations (owner, room) SELECT DISTINCT owner, room FROM irc_history;"
    "INSERT OR IGNORE INTO irc_log (conv, seq, ts, nick, body)"
    " SELECT c.id, h.ts * 1000 + (ROW_NUMBER() OVER (PARTITION BY h.owner, h.room, h.ts ORDER BY h.seq) - 1) % 1000,"
    "  h.ts, h.nick, h.body"
    " FROM irc_history h JOIN irc_conversations c ON c.owner = h.owner AND c.room = h.room;"
    "DROP TABLE irc_history;",
};

constexpr std::int64_t prune_every_ms = 3600 * 1000;

std::string format_id(std::int64_t seq) { return fmt::format("{:014x}", seq); }

// The seq an archive id stands for; nothing for a string next_id() cannot have made.
std::optional<std::int64_t> parse_id(std::string_view id) {
  std::int64_t seq = 0;
  if (id.empty() || id.size() > 15) return std::nullopt;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), seq, 16);
  if (ec != std::errc() || end != id.data() + id.size() || seq < 0) return std::nullopt;
  return seq;
}

Result<std::optional<std::int64_t>> find_conversation(store::Database& db, std::string_view owner,
                                                      std::string_view room) {
  auto s = db.cached("SELECT id FROM irc_conversations WHERE owner = ?1 AND room = ?2");
  if (!s) return std::unexpected(s.error());
  if (auto r = (*s)->bind_all(owner, room); !r) return std::unexpected(r.error());
  auto row = (*s)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>((*s)->column_int64(0));
}

Result<std::int64_t> conversation_id(store::Database& db, std::string_view owner, std::string_view room) {
  auto insert = db.cached("INSERT OR IGNORE INTO irc_conversations (owner, room) VALUES (?1, ?2)");
  if (!insert) return std::unexpected(insert.error());
  if (auto r = (*insert)->bind_all(owner, room); !r) return std::unexpected(r.error());
  if (auto r = (*insert)->run(); !r) return std::unexpected(r.error());
  auto found = find_conversation(db, owner, room);
  if (!found) return std::unexpected(found.error());
  if (!*found) return fail("conversation row missing after insert");
  return **found;
}

// Filters shared by every query; NULL or '' switch a condition off, so one cached statement
// per shape serves every query.
constexpr const char* filters =
    " conv = ?1 AND (?2 IS NULL OR ts >= ?2) AND (?3 IS NULL OR ts <= ?3) AND (?4 = '' OR nick = ?4)";

Result<void> bind_filters(store::Statement& s, std::int64_t conv, const ArchiveQuery& q) {
  auto opt = [&](int i, const std::optional<std::int64_t>& v) { return v ? s.bind(i, *v) : s.bind_null(i); };
  if (auto r = s.bind(1, conv); !r) return r;
  if (auto r = opt(2, q.start_ms); !r) return r;
  if (auto r = opt(3, q.end_ms); !r) return r;
  return s.bind(4, q.nick);
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
  return format_id(last_id_);
}

std::size_t HistoryStore::ConversationHash::operator()(
    std::pair<std::string_view, std::string_view> key) const noexcept {
  std::hash<std::string_view> h;
  return h(key.first) * 31 + h(key.second);
}

void HistoryStore::append(ArchivedMessage message) {
  Row row;
  if (auto seq = parse_id(message.id)) {
    row.seq = *seq;
  } else {  // not one of ours (never the case live): archived under a fresh id
    next_id();
    row.seq = last_id_;
  }
  row.ts_ms = message.ts_ms;
  row.nick = std::move(message.nick);
  row.body = std::move(message.body);
  auto known = conversations_.find(std::pair<std::string_view, std::string_view>(message.owner, message.room));
  if (known != conversations_.end()) {
    row.conv = known->second;
  } else {
    row.owner = std::move(message.owner);
    row.room = std::move(message.room);
  }
  pending_.push_back(std::move(row));
  if (write_queued_) return;
  write_queued_ = true;
  if (!defer_ || write_window_.count() <= 0) return schedule(write_job());
  window_open_ = true;
  std::weak_ptr<bool> alive = alive_;
  defer_(write_window_, [this, alive] {
    if (!alive.expired()) close_window();
  });
}

void HistoryStore::close_window() {
  if (!window_open_) return;
  window_open_ = false;
  schedule(write_job());
}

HistoryStore::Job HistoryStore::write_job() {
  auto batch = std::make_shared<std::vector<Row>>();
  auto result = std::make_shared<Result<void>>();
  auto prune_before = std::make_shared<std::int64_t>(0);
  store::SqliteStore* store = &store_;
  Job job;
  // The batch is taken when the job starts, not when it is queued, so everything appended
  // while earlier jobs ran goes out together.
  job.prepare = [this, batch, prune_before] {
    batch->swap(pending_);
    pending_.reserve(batch->size());
    write_queued_ = false;
    auto now = now_millis();
    if (retention_days_ > 0 && now - last_prune_ms_ > prune_every_ms) {
      last_prune_ms_ = now;
      *prune_before = now - static_cast<std::int64_t>(retention_days_) * 86400 * 1000;
    }
  };
  job.work = [store, batch, result, prune_before] {
    *result = write_rows(*store, *batch);
    if (*prune_before > 0) (void)prune(*store, *prune_before);
  };
  job.done = [this, batch, result] {
    if (!*result) {
      log::error("irc", "history: {} messages not archived: {}", batch->size(), result->error().message);
      return;
    }
    // Remember the conversations the worker resolved, so later messages carry their ids.
    for (auto& row : *batch)
      if (!row.owner.empty() && row.conv > 0)
        conversations_.try_emplace(Conversation(std::move(row.owner), std::move(row.room)), row.conv);
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
  close_window();  // what the client has seen live is written before it is looked for
  auto result = std::make_shared<Result<ArchivePage>>();
  store::SqliteStore* store = &store_;
  Job job;
  job.work = [store, q = std::move(q), result] { *result = run_query(*store, q); };
  job.done = [result, done = std::move(done)] { done(std::move(*result)); };
  schedule(std::move(job));
}

Result<void> HistoryStore::write(store::SqliteStore& store, const std::vector<ArchivedMessage>& batch) {
  std::vector<Row> rows;
  rows.reserve(batch.size());
  for (const auto& m : batch) {
    auto seq = parse_id(m.id);
    if (!seq) return fail("archive id '" + m.id + "' is not one of ours");
    rows.push_back({0, *seq, m.ts_ms, m.nick, m.body, m.owner, m.room});
  }
  return write_rows(store, rows);
}

Result<void> HistoryStore::write_rows(store::SqliteStore& store, std::vector<Row>& batch) {
  if (batch.empty()) return {};
  return store.batch([&]() -> Result<void> {
    return store.with_database([&](store::Database& db) -> Result<void> {
      // Conversations new to the loop, resolved once per batch however many rows they have.
      ConversationIds resolved;
      for (auto& row : batch) {
        if (row.conv > 0) continue;
        auto key = std::pair<std::string_view, std::string_view>(row.owner, row.room);
        if (auto it = resolved.find(key); it != resolved.end()) {
          row.conv = it->second;
          continue;
        }
        auto id = conversation_id(db, row.owner, row.room);
        if (!id) return std::unexpected(id.error());
        row.conv = *id;
        resolved.emplace(Conversation(row.owner, row.room), *id);
      }
      auto stmt = db.cached("INSERT INTO irc_log (conv, seq, ts, nick, body)"
                            " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
      if (!stmt) return std::unexpected(stmt.error());
      for (const auto& row : batch) {
        (*stmt)->reset();
        if (auto r = (*stmt)->bind_all(row.conv, row.seq, row.ts_ms, row.nick, row.body); !r) return r;
        if (auto r = (*stmt)->run(); !r) return r;
      }
      return {};
    });
  });
}

// seq counts microseconds (next_id), so "archived before before_ms" is a seq bound; each
// conversation's rows are one contiguous range of the table's key.
Result<int> HistoryStore::prune(store::SqliteStore& store, std::int64_t before_ms) {
  return store.with_database([&](store::Database& db) -> Result<int> {
    std::vector<std::int64_t> conversations;
    {
      auto list = db.prepare("SELECT id FROM irc_conversations");
      if (!list) return std::unexpected(list.error());
      while (true) {
        auto row = list->step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        conversations.push_back(list->column_int64(0));
      }
    }
    auto stmt = db.prepare("DELETE FROM irc_log WHERE conv = ?1 AND seq < ?2");
    if (!stmt) return std::unexpected(stmt.error());
    int deleted = 0;
    for (auto conv : conversations) {
      stmt->reset();
      if (auto r = stmt->bind_all(conv, before_ms * 1000); !r) return std::unexpected(r.error());
      if (auto r = stmt->run(); !r) return std::unexpected(r.error());
      deleted += db.changes();
    }
    return deleted;
  });
}

Result<ArchivePage> HistoryStore::run_query(store::SqliteStore& store, const ArchiveQuery& q) {
  return store.with_database([&](store::Database& db) -> Result<ArchivePage> {
    ArchivePage page;
    auto conversation = find_conversation(db, q.owner, q.room);
    if (!conversation) return std::unexpected(conversation.error());
    const std::int64_t conv = conversation->value_or(0);  // 0: nothing archived, no row matches
    // An RSM id is its row's seq; it must name a message of this conversation.
    auto position = [&](const std::string& id) -> Result<std::int64_t> {
      auto seq = parse_id(id);
      if (!seq) return fail("item-not-found");
      auto s = db.cached("SELECT 1 FROM irc_log WHERE conv = ?1 AND seq = ?2");
      if (!s) return std::unexpected(s.error());
      if (auto r = (*s)->bind_all(conv, *seq); !r) return std::unexpected(r.error());
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) return fail("item-not-found");
      return *seq;
    };
    std::int64_t low = -1, high = INT64_MAX;
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
    if (conv == 0) return page;
    {
      auto s = db.cached(std::string("SELECT COUNT(*) FROM irc_log WHERE") + filters);
      if (!s) return std::unexpected(s.error());
      if (auto r = bind_filters(**s, conv, q); !r) return std::unexpected(r.error());
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      page.count = *row ? (*s)->column_int64(0) : 0;
    }
    if (q.max == 0) {
      page.complete = page.count == 0;
      return page;
    }
    std::string sql = std::string("SELECT seq, ts, nick, body FROM irc_log WHERE") + filters +
                      " AND seq > ?5 AND seq < ?6 ORDER BY seq " + (backwards ? "DESC" : "ASC") + " LIMIT ?7";
    auto s = db.cached(sql);
    if (!s) return std::unexpected(s.error());
    if (auto r = bind_filters(**s, conv, q); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(5, low); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(6, high); !r) return std::unexpected(r.error());
    if (auto r = (*s)->bind(7, static_cast<std::int64_t>(q.max + 1)); !r) return std::unexpected(r.error());
    while (true) {
      auto row = (*s)->step();
      if (!row) return std::unexpected(row.error());
      if (!*row) break;
      ArchivedMessage m;
      m.owner = q.owner;
      m.room = q.room;
      m.id = format_id((*s)->column_int64(0));
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
