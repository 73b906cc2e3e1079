#include "store/sqlite_repositories.hpp"

#include <fmt/format.h>

namespace junction::store {

namespace {

std::string_view direction_name(Direction d) { return d == Direction::to_xmpp ? "to_xmpp" : "to_legacy"; }

Direction parse_direction(const std::string& s) { return s == "to_xmpp" ? Direction::to_xmpp : Direction::to_legacy; }

std::string_view state_name(OutboxState s) {
  switch (s) {
    case OutboxState::sent: return "sent";
    case OutboxState::done: return "done";
    case OutboxState::failed: return "failed";
    case OutboxState::pending: break;
  }
  return "pending";
}

OutboxState parse_state(const std::string& s) {
  if (s == "sent") return OutboxState::sent;
  if (s == "done") return OutboxState::done;
  if (s == "failed") return OutboxState::failed;
  return OutboxState::pending;
}

#define OUTBOX_COLUMNS                                                                           \
  "SELECT id, gateway, direction, dedupe_key, user_jid, payload, state, attempts, next_attempt_at, " \
  "last_error, provider_ref, created_at FROM outbox "

OutboxEntry read_entry(const Statement& st) {
  OutboxEntry e;
  e.id = st.column_int64(0);
  e.gateway = st.column_text(1);
  e.direction = parse_direction(st.column_text(2));
  e.key = st.column_text(3);
  e.user = st.column_text(4);
  e.payload = st.column_blob(5);
  e.state = parse_state(st.column_text(6));
  e.attempts = static_cast<int>(st.column_int64(7));
  e.next_attempt_at = st.column_int64(8);
  e.last_error = st.column_text(9);
  e.provider_ref = st.column_text(10);  // NULL reads as ""
  e.created_at = st.column_int64(11);
  return e;
}

}  // namespace

Result<EnqueueResult> SqliteOutbox::enqueue(const OutboxEntry& entry) {
  std::lock_guard lock(c_.mutex);
  const Millis now = now_millis();
  {
    // RETURNING yields no row when the conflict clause skipped the insert; PostgreSQL
    // behaves the same, so this shape ports as is.
    auto st = c_.db.cached(
        "INSERT INTO outbox (gateway, direction, dedupe_key, user_jid, payload, state, attempts, "
        "next_attempt_at, last_error, provider_ref, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (gateway, direction, dedupe_key) DO NOTHING RETURNING id");
    if (!st) return std::unexpected(st.error());
    JUNCTION_STORE_TRY((*st)->bind_all(entry.gateway, direction_name(entry.direction), entry.key, entry.user,
                                       Blob{entry.payload}, state_name(entry.state), entry.attempts,
                                       entry.next_attempt_at, entry.last_error));
    if (entry.provider_ref.empty()) {
      JUNCTION_STORE_TRY((*st)->bind_null(10));
    } else {
      JUNCTION_STORE_TRY((*st)->bind(10, entry.provider_ref));
    }
    const Millis created = entry.created_at != 0 ? entry.created_at : now;
    JUNCTION_STORE_TRY((*st)->bind(11, created));
    JUNCTION_STORE_TRY((*st)->bind(12, now));
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (*row) {
      EnqueueResult result{(*st)->column_int64(0), true};
      JUNCTION_STORE_TRY((*st)->run());  // finish the statement so its write is complete
      return result;
    }
  }
  auto st = c_.db.cached("SELECT id FROM outbox WHERE gateway = ? AND direction = ? AND dedupe_key = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(entry.gateway, direction_name(entry.direction), entry.key));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return fail("outbox enqueue: conflicting entry vanished");
  return EnqueueResult{(*st)->column_int64(0), false};
}

Result<std::optional<OutboxEntry>> SqliteOutbox::one(const std::string& sql,
                                                     std::initializer_list<std::string_view> params) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(sql);
  if (!st) return std::unexpected(st.error());
  int index = 0;
  for (auto param : params) JUNCTION_STORE_TRY((*st)->bind(++index, param));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<OutboxEntry>();
  return read_entry(**st);
}

Result<std::optional<OutboxEntry>> SqliteOutbox::get(std::int64_t id) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(OUTBOX_COLUMNS "WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, id));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<OutboxEntry>();
  return read_entry(**st);
}

Result<std::optional<OutboxEntry>> SqliteOutbox::find_by_key(const std::string& gateway, Direction direction,
                                                             const std::string& key) {
  return one(OUTBOX_COLUMNS "WHERE gateway = ? AND direction = ? AND dedupe_key = ?",
             {gateway, direction_name(direction), key});
}

Result<std::optional<OutboxEntry>> SqliteOutbox::find_by_provider_ref(const std::string& gateway,
                                                                      const std::string& provider_ref) {
  if (provider_ref.empty()) return std::optional<OutboxEntry>();
  return one(OUTBOX_COLUMNS "WHERE gateway = ? AND provider_ref = ? ORDER BY id DESC LIMIT 1",
             {gateway, provider_ref});
}

Result<std::vector<OutboxEntry>> SqliteOutbox::many(const std::string& sql, const std::string& gateway,
                                                    Direction direction, std::optional<Millis> now, int limit) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(sql);
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, gateway));
  JUNCTION_STORE_TRY((*st)->bind(2, direction_name(direction)));
  JUNCTION_STORE_TRY((*st)->bind(3, limit));
  if (now) JUNCTION_STORE_TRY((*st)->bind(4, *now));
  std::vector<OutboxEntry> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read_entry(**st));
  }
}

// Oldest first by created_at, then id: the order the user sent them in, which a retry
// (a later next_attempt_at) must not change.
Result<std::vector<OutboxEntry>> SqliteOutbox::due(const std::string& gateway, Direction direction, Millis now,
                                                   int limit) {
  return many(OUTBOX_COLUMNS "WHERE gateway = ?1 AND direction = ?2 AND state = 'pending' "
                             "AND next_attempt_at <= ?4 ORDER BY created_at, id LIMIT ?3",
              gateway, direction, now, limit);
}

Result<std::vector<OutboxEntry>> SqliteOutbox::undelivered(const std::string& gateway, Direction direction,
                                                           int limit) {
  return many(OUTBOX_COLUMNS "WHERE gateway = ?1 AND direction = ?2 AND state IN ('pending', 'sent') "
                             "ORDER BY created_at, id LIMIT ?3",
              gateway, direction, std::nullopt, limit);
}

Result<void> SqliteOutbox::schedule_retry(std::int64_t id, Millis next_attempt_at, const std::string& error) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "UPDATE outbox SET state = 'pending', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, "
      "updated_at = ? WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(next_attempt_at, error, now_millis(), id));
  JUNCTION_STORE_TRY((*st)->run());
  if (c_.db.changes() == 0) return fail(fmt::format("outbox: no entry {}", id));
  return {};
}

Result<void> SqliteOutbox::set_state(std::int64_t id, OutboxState state, const std::string& error) {
  std::lock_guard lock(c_.mutex);
  // An empty error keeps the last one: marking an entry done shouldn't erase why it had
  // been retried.
  auto st = c_.db.cached(
      "UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error), updated_at = ? WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, state_name(state)));
  if (error.empty()) {
    JUNCTION_STORE_TRY((*st)->bind_null(2));
  } else {
    JUNCTION_STORE_TRY((*st)->bind(2, error));
  }
  JUNCTION_STORE_TRY((*st)->bind(3, now_millis()));
  JUNCTION_STORE_TRY((*st)->bind(4, id));
  JUNCTION_STORE_TRY((*st)->run());
  if (c_.db.changes() == 0) return fail(fmt::format("outbox: no entry {}", id));
  return {};
}

Result<void> SqliteOutbox::set_state_many(const std::vector<std::int64_t>& ids, OutboxState state) {
  std::lock_guard lock(c_.mutex);
  if (ids.empty()) return {};
  // One transaction for the lot: a ping barrier may settle thousands of entries at once.
  auto tx = Transaction::begin(c_.db);
  if (!tx) return std::unexpected(tx.error());
  auto st = c_.db.cached("UPDATE outbox SET state = ?, updated_at = ? WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  const Millis now = now_millis();
  for (auto id : ids) {
    JUNCTION_STORE_TRY((*st)->bind_all(state_name(state), now, id));
    JUNCTION_STORE_TRY((*st)->run());
    (*st)->reset();
  }
  return tx->commit();
}

Result<void> SqliteOutbox::set_provider_ref(std::int64_t id, const std::string& provider_ref) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("UPDATE outbox SET provider_ref = ?, updated_at = ? WHERE id = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(provider_ref, now_millis(), id));
  JUNCTION_STORE_TRY((*st)->run());
  if (c_.db.changes() == 0) return fail(fmt::format("outbox: no entry {}", id));
  return {};
}

Result<std::int64_t> SqliteOutbox::depth(const std::string& gateway, Direction direction) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "SELECT count(*) FROM outbox WHERE gateway = ? AND direction = ? AND state IN ('pending', 'sent')");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, direction_name(direction)));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  return (*st)->column_int64(0);
}

Result<int> SqliteOutbox::prune(Millis before) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("DELETE FROM outbox WHERE state IN ('done', 'failed') AND created_at < ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, before));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes();
}

Result<int> SqliteOutbox::remove_for_user(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("DELETE FROM outbox WHERE gateway = ? AND user_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes();
}

}  // namespace junction::store
