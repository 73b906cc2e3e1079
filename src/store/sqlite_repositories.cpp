#include "store/sqlite_repositories.hpp"

#include <chrono>

namespace junction::store {

Millis now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

Millis or_now(Millis value, Millis now) { return value != 0 ? value : now; }

std::string_view subscription_name(Subscription s) {
  switch (s) {
    case Subscription::to: return "to";
    case Subscription::from: return "from";
    case Subscription::both: return "both";
    case Subscription::none: break;
  }
  return "none";
}

Subscription parse_subscription(const std::string& s) {
  if (s == "to") return Subscription::to;
  if (s == "from") return Subscription::from;
  if (s == "both") return Subscription::both;
  return Subscription::none;
}

// The smallest string greater than every string starting with `prefix`, or nullopt when
// there is none (empty prefix, or all bytes 0xff). Comparisons are bytewise (BINARY).
std::optional<std::string> prefix_end(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return std::nullopt;
}

}  // namespace

// ---- registrations ------------------------------------------------------------------

Result<void> SqliteRegistrations::upsert(const Registration& reg) {
  std::lock_guard lock(c_.mutex);
  const Millis now = now_millis();
  auto tx = Transaction::begin(c_.db);
  if (!tx) return std::unexpected(tx.error());
  {
    auto st = c_.db.cached(
        "INSERT INTO registrations (gateway, user_jid, created_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (gateway, user_jid) DO UPDATE SET updated_at = excluded.updated_at");
    if (!st) return std::unexpected(st.error());
    JUNCTION_STORE_TRY((*st)->bind_all(reg.gateway, reg.user, or_now(reg.created_at, now), or_now(reg.updated_at, now)));
    JUNCTION_STORE_TRY((*st)->run());
  }
  {
    auto st = c_.db.cached("DELETE FROM registration_fields WHERE gateway = ? AND user_jid = ?");
    if (!st) return std::unexpected(st.error());
    JUNCTION_STORE_TRY((*st)->bind_all(reg.gateway, reg.user));
    JUNCTION_STORE_TRY((*st)->run());
  }
  auto st = c_.db.cached("INSERT INTO registration_fields (gateway, user_jid, name, value) VALUES (?, ?, ?, ?)");
  if (!st) return std::unexpected(st.error());
  for (const auto& [name, value] : reg.fields) {
    JUNCTION_STORE_TRY((*st)->bind_all(reg.gateway, reg.user, name, value));
    JUNCTION_STORE_TRY((*st)->run());
    (*st)->reset();
  }
  return tx->commit();
}

Result<std::optional<Registration>> SqliteRegistrations::get(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "SELECT r.created_at, r.updated_at, f.name, f.value FROM registrations r "
      "LEFT JOIN registration_fields f ON f.gateway = r.gateway AND f.user_jid = r.user_jid "
      "WHERE r.gateway = ? AND r.user_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  std::optional<Registration> found;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    if (!found) found = Registration{gateway, user, {}, (*st)->column_int64(0), (*st)->column_int64(1)};
    if (!(*st)->column_is_null(2)) found->fields[(*st)->column_text(2)] = (*st)->column_text(3);
  }
  return found;
}

Result<std::vector<Registration>> SqliteRegistrations::list(const std::string& gateway) {
  std::lock_guard lock(c_.mutex);
  // One query, grouped by user through the ORDER BY, rather than one query per user: the
  // core lists every registration at start-up to send presence probes.
  auto st = c_.db.cached(
      "SELECT r.user_jid, r.created_at, r.updated_at, f.name, f.value FROM registrations r "
      "LEFT JOIN registration_fields f ON f.gateway = r.gateway AND f.user_jid = r.user_jid "
      "WHERE r.gateway = ? ORDER BY r.user_jid");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, gateway));
  std::vector<Registration> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    auto user = (*st)->column_text(0);
    if (out.empty() || out.back().user != user)
      out.push_back(Registration{gateway, std::move(user), {}, (*st)->column_int64(1), (*st)->column_int64(2)});
    if (!(*st)->column_is_null(3)) out.back().fields[(*st)->column_text(3)] = (*st)->column_text(4);
  }
  return out;
}

Result<bool> SqliteRegistrations::remove(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  // Fields go with the row: ON DELETE CASCADE (foreign_keys=ON).
  auto st = c_.db.cached("DELETE FROM registrations WHERE gateway = ? AND user_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes() > 0;
}

// ---- contacts -----------------------------------------------------------------------

Result<void> SqliteContacts::upsert(const Contact& contact) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "INSERT INTO contacts (gateway, user_jid, contact_jid, name, subscription, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (gateway, user_jid, contact_jid) DO UPDATE SET "
      "name = excluded.name, subscription = excluded.subscription, updated_at = excluded.updated_at");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(contact.gateway, contact.user, contact.contact, contact.name,
                                     subscription_name(contact.subscription),
                                     or_now(contact.updated_at, now_millis())));
  return (*st)->run();
}

namespace {

Contact read_contact(const Statement& st) {
  return Contact{st.column_text(0), st.column_text(1), st.column_text(2), st.column_text(3),
                 parse_subscription(st.column_text(4)), st.column_int64(5)};
}

constexpr const char* contact_columns = "SELECT gateway, user_jid, contact_jid, name, subscription, updated_at ";

}  // namespace

Result<std::optional<Contact>> SqliteContacts::get(const std::string& gateway, const std::string& user,
                                                   const std::string& contact) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(std::string(contact_columns) +
                         "FROM contacts WHERE gateway = ? AND user_jid = ? AND contact_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user, contact));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<Contact>();
  return read_contact(**st);
}

Result<std::vector<Contact>> SqliteContacts::list_for_user(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(std::string(contact_columns) +
                         "FROM contacts WHERE gateway = ? AND user_jid = ? ORDER BY contact_jid");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  std::vector<Contact> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.push_back(read_contact(**st));
  }
}

Result<int> SqliteContacts::remove_all_for_user(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("DELETE FROM contacts WHERE gateway = ? AND user_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes();
}

// ---- dedupe -------------------------------------------------------------------------

Result<bool> SqliteDedupe::remember(const std::string& gateway, const std::string& key) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "INSERT INTO dedupe (gateway, dedupe_key, seen_at) VALUES (?, ?, ?) "
      "ON CONFLICT (gateway, dedupe_key) DO NOTHING");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, key, now_millis()));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes() == 1;
}

Result<int> SqliteDedupe::prune(Millis before) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("DELETE FROM dedupe WHERE seen_at < ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind(1, before));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes();
}

// ---- key/value ----------------------------------------------------------------------

Result<void> SqliteKeyValue::put(const std::string& gateway, const std::string& user, const std::string& key,
                                 const std::string& value) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached(
      "INSERT INTO kv (gateway, user_jid, kv_key, kv_value) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (gateway, user_jid, kv_key) DO UPDATE SET kv_value = excluded.kv_value");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user, key, value));
  return (*st)->run();
}

Result<std::optional<std::string>> SqliteKeyValue::get(const std::string& gateway, const std::string& user,
                                                       const std::string& key) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("SELECT kv_value FROM kv WHERE gateway = ? AND user_jid = ? AND kv_key = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user, key));
  auto row = (*st)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>();
  return (*st)->column_text(0);
}

Result<std::map<std::string, std::string>> SqliteKeyValue::list(const std::string& gateway, const std::string& user,
                                                                const std::string& prefix) {
  std::lock_guard lock(c_.mutex);
  // A key range rather than LIKE: LIKE treats % and _ in the prefix as wildcards and is
  // case-insensitive in SQLite; a range is exact and uses the primary key index.
  auto st = c_.db.cached(
      "SELECT kv_key, kv_value FROM kv WHERE gateway = ?1 AND user_jid = ?2 AND kv_key >= ?3 "
      "AND (?4 IS NULL OR kv_key < ?4)");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user, prefix));
  if (auto end = prefix_end(prefix)) {
    JUNCTION_STORE_TRY((*st)->bind(4, *end));
  } else {
    JUNCTION_STORE_TRY((*st)->bind_null(4));
  }
  std::map<std::string, std::string> out;
  for (;;) {
    auto row = (*st)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return out;
    out.emplace((*st)->column_text(0), (*st)->column_text(1));
  }
}

Result<bool> SqliteKeyValue::erase(const std::string& gateway, const std::string& user, const std::string& key) {
  std::lock_guard lock(c_.mutex);
  auto st = c_.db.cached("DELETE FROM kv WHERE gateway = ? AND user_jid = ? AND kv_key = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user, key));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes() > 0;
}

Result<int> SqliteKeyValue::erase_user(const std::string& gateway, const std::string& user) {
  std::lock_guard lock(c_.mutex);
  // "" is the gateway-wide namespace, not a user: erasing it is erase(), key by key.
  if (user.empty()) return fail("kv erase_user: empty user");
  auto st = c_.db.cached("DELETE FROM kv WHERE gateway = ? AND user_jid = ?");
  if (!st) return std::unexpected(st.error());
  JUNCTION_STORE_TRY((*st)->bind_all(gateway, user));
  JUNCTION_STORE_TRY((*st)->run());
  return c_.db.changes();
}

}  // namespace junction::store
