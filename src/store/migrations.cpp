#include "store/migrations.hpp"

#include "util/log.hpp"

namespace junction::store {

// Column names avoid words PostgreSQL reserves ("user", "key"); time columns hold
// milliseconds since the epoch as BIGINT; payloads are BLOB (BYTEA there).
const std::vector<std::string>& core_migrations() {
  static const std::vector<std::string> steps = {
      // 1: the first schema.
      R"sql(
CREATE TABLE module_versions (
  module TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
CREATE TABLE registrations (
  gateway TEXT NOT NULL,
  user_jid TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (gateway, user_jid)
);
CREATE TABLE registration_fields (
  gateway TEXT NOT NULL,
  user_jid TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (gateway, user_jid, name),
  FOREIGN KEY (gateway, user_jid) REFERENCES registrations (gateway, user_jid) ON DELETE CASCADE
);
CREATE TABLE contacts (
  gateway TEXT NOT NULL,
  user_jid TEXT NOT NULL,
  contact_jid TEXT NOT NULL,
  name TEXT NOT NULL,
  subscription TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (gateway, user_jid, contact_jid)
);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  gateway TEXT NOT NULL,
  direction TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  user_jid TEXT NOT NULL,
  payload BLOB NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  provider_ref TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (gateway, direction, dedupe_key)
);
CREATE INDEX outbox_due ON outbox (gateway, direction, state, next_attempt_at);
CREATE INDEX outbox_provider_ref ON outbox (gateway, provider_ref);
CREATE INDEX outbox_user ON outbox (gateway, user_jid);
CREATE INDEX outbox_finished ON outbox (state, created_at);
CREATE TABLE dedupe (
  gateway TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (gateway, dedupe_key)
);
CREATE INDEX dedupe_seen ON dedupe (seen_at);
CREATE TABLE kv (
  gateway TEXT NOT NULL,
  user_jid TEXT NOT NULL,
  kv_key TEXT NOT NULL,
  kv_value TEXT NOT NULL,
  PRIMARY KEY (gateway, user_jid, kv_key)
);
)sql",
  };
  return steps;
}

Result<int> schema_version(Database& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st) return std::unexpected(st.error());
  auto row = st->step();
  if (!row) return std::unexpected(row.error());
  return static_cast<int>(st->column_int64(0));
}

Result<int> migrate_core(Database& db) {
  const auto& steps = core_migrations();
  const int known = static_cast<int>(steps.size());
  for (;;) {
    // The version is read inside the write transaction so two processes opening the same
    // new file cannot both apply step 1.
    auto tx = Transaction::begin(db);
    if (!tx) return std::unexpected(tx.error());
    auto version = schema_version(db);
    if (!version) return std::unexpected(version.error());
    if (*version > known)
      return fail(fmt::format("database {} has schema version {}, newer than this build knows ({}): "
                              "run a newer Junction or restore a backup",
                              db.path(), *version, known));
    if (*version == known) {
      if (auto r = tx->commit(); !r) return std::unexpected(r.error());
      return known;
    }
    const int next = *version + 1;
    if (auto r = db.exec(steps[static_cast<std::size_t>(next - 1)]); !r)
      return fail(fmt::format("database {}: schema step {} failed: {}", db.path(), next, r.error().message));
    // PRAGMA takes no parameters; `next` is a number computed here, never outside input.
    if (auto r = db.exec(fmt::format("PRAGMA user_version = {}", next)); !r) return std::unexpected(r.error());
    if (auto r = tx->commit(); !r) return std::unexpected(r.error());
    log::info("store", "database {}: schema now at version {}", db.path(), next);
  }
}

Result<int> Database::migrate_module(const std::string& module, const std::vector<std::string>& steps) {
  if (module.empty()) return fail("migrate_module: empty module name");
  const int known = static_cast<int>(steps.size());
  for (;;) {
    auto tx = Transaction::begin(*this);
    if (!tx) return std::unexpected(tx.error());
    auto select = cached("SELECT version FROM module_versions WHERE module = ?");
    if (!select) return std::unexpected(select.error());
    if (auto r = (*select)->bind(1, module); !r) return std::unexpected(r.error());
    auto row = (*select)->step();
    if (!row) return std::unexpected(row.error());
    const int version = *row ? static_cast<int>((*select)->column_int64(0)) : 0;
    (*select)->reset();
    if (version > known)
      return fail(fmt::format("database {}: module {} is at version {}, newer than this build knows ({})", path(),
                              module, version, known));
    if (version == known) {
      if (auto r = tx->commit(); !r) return std::unexpected(r.error());
      return known;
    }
    const int next = version + 1;
    if (auto r = exec(steps[static_cast<std::size_t>(next - 1)]); !r)
      return fail(fmt::format("database {}: module {} step {} failed: {}", path(), module, next, r.error().message));
    auto upsert = cached(
        "INSERT INTO module_versions (module, version) VALUES (?, ?) "
        "ON CONFLICT (module) DO UPDATE SET version = excluded.version");
    if (!upsert) return std::unexpected(upsert.error());
    if (auto r = (*upsert)->bind_all(module, next); !r) return std::unexpected(r.error());
    if (auto r = (*upsert)->run(); !r) return std::unexpected(r.error());
    if (auto r = tx->commit(); !r) return std::unexpected(r.error());
    log::info("store", "database {}: module {} now at version {}", path(), module, next);
  }
}

}  // namespace junction::store
