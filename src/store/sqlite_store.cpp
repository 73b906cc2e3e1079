#include "store/sqlite_store.hpp"

#include "store/migrations.hpp"
#include "store/sqlite_repositories.hpp"
#include "util/log.hpp"

namespace junction::store {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, const DatabaseOptions& options) {
  auto db = Database::open(path, options);
  if (!db) return std::unexpected(db.error());
  auto version = migrate_core(*db);
  if (!version) return std::unexpected(version.error());
  log::debug("store", "opened {} at schema version {}", path, *version);
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::make_unique<SqliteConnection>(std::move(*db))));
}

SqliteStore::SqliteStore(std::unique_ptr<SqliteConnection> connection)
    : connection_(std::move(connection)),
      registrations_(std::make_unique<SqliteRegistrations>(*connection_)),
      contacts_(std::make_unique<SqliteContacts>(*connection_)),
      outbox_(std::make_unique<SqliteOutbox>(*connection_)),
      dedupe_(std::make_unique<SqliteDedupe>(*connection_)),
      kv_(std::make_unique<SqliteKeyValue>(*connection_)) {}

SqliteStore::~SqliteStore() = default;

RegistrationRepository& SqliteStore::registrations() { return *registrations_; }
ContactRepository& SqliteStore::contacts() { return *contacts_; }
OutboxRepository& SqliteStore::outbox() { return *outbox_; }
DedupeRepository& SqliteStore::dedupe() { return *dedupe_; }
KeyValueRepository& SqliteStore::kv() { return *kv_; }

Result<void> SqliteStore::remove_user(const std::string& gateway, const std::string& user) {
  if (user.empty()) return fail("remove_user: empty user");
  std::lock_guard lock(connection_->mutex);
  // All or nothing: a half-removed user would keep receiving what is left.
  auto tx = Transaction::begin(connection_->db);
  if (!tx) return std::unexpected(tx.error());
  JUNCTION_STORE_TRY(registrations_->remove(gateway, user));
  JUNCTION_STORE_TRY(contacts_->remove_all_for_user(gateway, user));
  JUNCTION_STORE_TRY(outbox_->remove_for_user(gateway, user));
  JUNCTION_STORE_TRY(kv_->erase_user(gateway, user));
  return tx->commit();
}

Result<void> SqliteStore::batch(const std::function<Result<void>()>& work) {
  std::lock_guard lock(connection_->mutex);
  auto tx = Transaction::begin(connection_->db);
  if (!tx) return std::unexpected(tx.error());
  JUNCTION_STORE_TRY(work());
  return tx->commit();
}

Result<int> SqliteStore::migrate_module(const std::string& module, const std::vector<std::string>& steps) {
  std::lock_guard lock(connection_->mutex);
  return connection_->db.migrate_module(module, steps);
}

}  // namespace junction::store
