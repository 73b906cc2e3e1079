#pragma once
// The repository classes behind SqliteStore. Internal to the store module: others use the
// interfaces in repositories.hpp. Each method takes the connection's lock for its duration.
#include "store/sqlite_store.hpp"

#include <initializer_list>
#include <string_view>

namespace junction::store {

// Current wall-clock time in store units.
Millis now_millis();

// Returns the error of a failed Result<...> from the enclosing function.
#define JUNCTION_STORE_TRY(expr)                                          \
  do {                                                                    \
    if (auto junction_try_ = (expr); !junction_try_)                      \
      return std::unexpected(std::move(junction_try_).error());           \
  } while (0)

class SqliteRegistrations final : public RegistrationRepository {
 public:
  explicit SqliteRegistrations(SqliteConnection& c) : c_(c) {}
  Result<void> upsert(const Registration& registration) override;
  Result<std::optional<Registration>> get(const std::string& gateway, const std::string& user) override;
  Result<std::vector<Registration>> list(const std::string& gateway) override;
  Result<bool> remove(const std::string& gateway, const std::string& user) override;

 private:
  SqliteConnection& c_;
};

class SqliteContacts final : public ContactRepository {
 public:
  explicit SqliteContacts(SqliteConnection& c) : c_(c) {}
  Result<void> upsert(const Contact& contact) override;
  Result<std::optional<Contact>> get(const std::string& gateway, const std::string& user,
                                     const std::string& contact) override;
  Result<std::vector<Contact>> list_for_user(const std::string& gateway, const std::string& user) override;
  Result<int> remove_all_for_user(const std::string& gateway, const std::string& user) override;

 private:
  SqliteConnection& c_;
};

class SqliteOutbox final : public OutboxRepository {
 public:
  explicit SqliteOutbox(SqliteConnection& c) : c_(c) {}
  Result<EnqueueResult> enqueue(const OutboxEntry& entry) override;
  Result<std::optional<OutboxEntry>> get(std::int64_t id) override;
  Result<std::optional<OutboxEntry>> find_by_key(const std::string& gateway, Direction direction,
                                                 const std::string& key) override;
  Result<std::optional<OutboxEntry>> find_by_provider_ref(const std::string& gateway,
                                                          const std::string& provider_ref) override;
  Result<std::vector<OutboxEntry>> due(const std::string& gateway, Direction direction, Millis now,
                                       int limit) override;
  Result<std::vector<OutboxEntry>> undelivered(const std::string& gateway, Direction direction, int limit) override;
  Result<void> schedule_retry(std::int64_t id, Millis next_attempt_at, const std::string& error) override;
  Result<void> set_state(std::int64_t id, OutboxState state, const std::string& error = {}) override;
  Result<void> set_state_many(const std::vector<std::int64_t>& ids, OutboxState state) override;
  Result<void> set_provider_ref(std::int64_t id, const std::string& provider_ref) override;
  Result<std::int64_t> depth(const std::string& gateway, Direction direction) override;
  Result<int> prune(Millis before) override;
  Result<int> remove_for_user(const std::string& gateway, const std::string& user) override;

 private:
  Result<std::optional<OutboxEntry>> one(const std::string& sql, std::initializer_list<std::string_view> params);
  Result<std::vector<OutboxEntry>> many(const std::string& sql, const std::string& gateway, Direction direction,
                                        std::optional<Millis> now, int limit);
  SqliteConnection& c_;
};

class SqliteDedupe final : public DedupeRepository {
 public:
  explicit SqliteDedupe(SqliteConnection& c) : c_(c) {}
  Result<bool> remember(const std::string& gateway, const std::string& key) override;
  Result<int> prune(Millis before) override;

 private:
  SqliteConnection& c_;
};

class SqliteKeyValue final : public KeyValueRepository {
 public:
  explicit SqliteKeyValue(SqliteConnection& c) : c_(c) {}
  Result<void> put(const std::string& gateway, const std::string& user, const std::string& key,
                   const std::string& value) override;
  Result<std::optional<std::string>> get(const std::string& gateway, const std::string& user,
                                         const std::string& key) override;
  Result<std::map<std::string, std::string>> list(const std::string& gateway, const std::string& user,
                                                  const std::string& prefix) override;
  Result<bool> erase(const std::string& gateway, const std::string& user, const std::string& key) override;
  Result<int> erase_user(const std::string& gateway, const std::string& user) override;

 private:
  SqliteConnection& c_;
};

}  // namespace junction::store
