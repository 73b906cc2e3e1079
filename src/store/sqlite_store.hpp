#pragma once
// The SQLite implementation of the repositories (repositories.hpp).
// Thread-safety: every method may be called from any thread; one recursive mutex guards the
// single connection, so calls are serialised (SQLite writes are serial anyway).
// Timestamps: a created_at/updated_at of 0 is replaced by the current time. Outbox prune
// compares created_at; dedupe prune compares the time the key was first seen.
#include "store/database.hpp"
#include "store/repositories.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace junction::store {

// What the repositories share: the connection and the lock around it.
struct SqliteConnection {
  explicit SqliteConnection(Database database) : db(std::move(database)) {}
  Database db;
  std::recursive_mutex mutex;
};

class SqliteRegistrations;
class SqliteContacts;
class SqliteOutbox;
class SqliteDedupe;
class SqliteKeyValue;

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the database; ":memory:" for tests. The parent
  // directory must exist.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, const DatabaseOptions& options = {});
  ~SqliteStore() override;

  RegistrationRepository& registrations() override;
  ContactRepository& contacts() override;
  OutboxRepository& outbox() override;
  DedupeRepository& dedupe() override;
  KeyValueRepository& kv() override;
  Result<void> remove_user(const std::string& gateway, const std::string& user) override;

  // Runs `work` in one transaction: repository calls made inside it (from this thread) join
  // it, and other threads wait until it ends. An error from `work` rolls everything back.
  // This is group commit for bursts: one disk sync for many small writes.
  Result<void> batch(const std::function<Result<void>()>& work);

  // A gateway's own tables (see Database::migrate_module).
  Result<int> migrate_module(const std::string& module, const std::vector<std::string>& steps);

  // Direct use of the connection for a gateway's own tables, under the store's lock.
  template <class F>
  auto with_database(F&& f) {
    std::lock_guard lock(connection_->mutex);
    return std::forward<F>(f)(connection_->db);
  }

 private:
  explicit SqliteStore(std::unique_ptr<SqliteConnection> connection);

  std::unique_ptr<SqliteConnection> connection_;
  std::unique_ptr<SqliteRegistrations> registrations_;
  std::unique_ptr<SqliteContacts> contacts_;
  std::unique_ptr<SqliteOutbox> outbox_;
  std::unique_ptr<SqliteDedupe> dedupe_;
  std::unique_ptr<SqliteKeyValue> kv_;
};

}  // namespace junction::store
