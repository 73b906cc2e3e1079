#pragma once
// Repository interfaces: what the core and the gateways may ask of storage. The SQLite
// implementation lives in sqlite_store.{hpp,cpp}; the SQL used is the subset PostgreSQL also
// accepts (ON CONFLICT upserts), so a second backend can follow.
// Thread-safety: every method may be called from any thread; implementations serialise
// access to their connection. Calls may block (disk): long ones belong on a worker.
#include "util/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace junction::store {

// Milliseconds since the Unix epoch, as stored.
using Millis = std::int64_t;

struct Registration {
  std::string gateway;   // gateway name from the config ("irc", "sms"...)
  std::string user;      // bare JID of the XMPP user
  std::map<std::string, std::string> fields;  // registration form values
  Millis created_at = 0;
  Millis updated_at = 0;
};

class RegistrationRepository {
 public:
  virtual ~RegistrationRepository() = default;
  virtual Result<void> upsert(const Registration& registration) = 0;
  virtual Result<std::optional<Registration>> get(const std::string& gateway, const std::string& user) = 0;
  virtual Result<std::vector<Registration>> list(const std::string& gateway) = 0;
  virtual Result<bool> remove(const std::string& gateway, const std::string& user) = 0;
};

enum class Subscription { none, to, from, both };

// A legacy contact as the XMPP user sees it (roster item, presence subscription state).
struct Contact {
  std::string gateway;
  std::string user;     // bare JID of the XMPP user
  std::string contact;  // bare JID of the contact at the gateway domain
  std::string name;     // display name, may be empty
  Subscription subscription = Subscription::none;
  Millis updated_at = 0;
};

class ContactRepository {
 public:
  virtual ~ContactRepository() = default;
  virtual Result<void> upsert(const Contact& contact) = 0;
  virtual Result<std::optional<Contact>> get(const std::string& gateway, const std::string& user,
                                             const std::string& contact) = 0;
  virtual Result<std::vector<Contact>> list_for_user(const std::string& gateway, const std::string& user) = 0;
  virtual Result<int> remove_all_for_user(const std::string& gateway, const std::string& user) = 0;
};

// The durable outbox. Two directions share it:
//  - to_legacy: a stanza from an XMPP user waiting to be sent to SMS/email; retried with
//    backoff until done or failed.
//  - to_xmpp: a stanza from the legacy side (webhook, mail) waiting to be written to the
//    XMPP stream; "sent" once written, "done" once a ping barrier after it was answered.
enum class Direction { to_legacy, to_xmpp };
enum class OutboxState { pending, sent, done, failed };

struct OutboxEntry {
  std::int64_t id = 0;
  std::string gateway;
  Direction direction = Direction::to_legacy;
  std::string key;       // unique per gateway+direction: idempotency / de-duplication key
  std::string user;      // bare JID of the XMPP user concerned
  std::string payload;   // the serialised stanza or gateway-specific request
  OutboxState state = OutboxState::pending;
  int attempts = 0;
  Millis next_attempt_at = 0;
  std::string last_error;
  std::string provider_ref;  // e.g. the provider's message id once accepted
  Millis created_at = 0;
};

struct EnqueueResult {
  std::int64_t id = 0;
  bool inserted = false;  // false: an entry with the same gateway+direction+key existed
};

class OutboxRepository {
 public:
  virtual ~OutboxRepository() = default;
  // Inserts unless gateway+direction+key exists (then returns the existing id, inserted=false).
  virtual Result<EnqueueResult> enqueue(const OutboxEntry& entry) = 0;
  virtual Result<std::optional<OutboxEntry>> get(std::int64_t id) = 0;
  virtual Result<std::optional<OutboxEntry>> find_by_key(const std::string& gateway, Direction direction,
                                                         const std::string& key) = 0;
  virtual Result<std::optional<OutboxEntry>> find_by_provider_ref(const std::string& gateway,
                                                                  const std::string& provider_ref) = 0;
  // Pending entries with next_attempt_at <= now, oldest first.
  virtual Result<std::vector<OutboxEntry>> due(const std::string& gateway, Direction direction, Millis now,
                                               int limit) = 0;
  // Entries in state pending or sent (for resending to_xmpp entries after a reconnect).
  virtual Result<std::vector<OutboxEntry>> undelivered(const std::string& gateway, Direction direction,
                                                       int limit) = 0;
  virtual Result<void> schedule_retry(std::int64_t id, Millis next_attempt_at, const std::string& error) = 0;
  virtual Result<void> set_state(std::int64_t id, OutboxState state, const std::string& error = {}) = 0;
  virtual Result<void> set_state_many(const std::vector<std::int64_t>& ids, OutboxState state) = 0;
  virtual Result<void> set_provider_ref(std::int64_t id, const std::string& provider_ref) = 0;
  // Entries in pending or sent state.
  virtual Result<std::int64_t> depth(const std::string& gateway, Direction direction) = 0;
  // Deletes done/failed entries older than `before`.
  virtual Result<int> prune(Millis before) = 0;
  virtual Result<int> remove_for_user(const std::string& gateway, const std::string& user) = 0;
};

// Seen-keys for de-duplicating inbound events (provider message id, Message-ID + recipient).
class DedupeRepository {
 public:
  virtual ~DedupeRepository() = default;
  // true when the key was new and is now recorded; false when it had been seen.
  virtual Result<bool> remember(const std::string& gateway, const std::string& key) = 0;
  virtual Result<int> prune(Millis before) = 0;
};

// A gateway's own small state: namespaced key/value rows (per user where `user` is set).
// Gateways with richer needs register their own migrations through Database.
class KeyValueRepository {
 public:
  virtual ~KeyValueRepository() = default;
  virtual Result<void> put(const std::string& gateway, const std::string& user, const std::string& key,
                           const std::string& value) = 0;
  virtual Result<std::optional<std::string>> get(const std::string& gateway, const std::string& user,
                                                 const std::string& key) = 0;
  // All keys starting with prefix, for that user ("" = gateway-wide).
  virtual Result<std::map<std::string, std::string>> list(const std::string& gateway, const std::string& user,
                                                          const std::string& prefix) = 0;
  virtual Result<bool> erase(const std::string& gateway, const std::string& user, const std::string& key) = 0;
  virtual Result<int> erase_user(const std::string& gateway, const std::string& user) = 0;
};

// Everything the core hands to gateways as "the store".
class Store {
 public:
  virtual ~Store() = default;
  virtual RegistrationRepository& registrations() = 0;
  virtual ContactRepository& contacts() = 0;
  virtual OutboxRepository& outbox() = 0;
  virtual DedupeRepository& dedupe() = 0;
  virtual KeyValueRepository& kv() = 0;
  // Removes everything the store holds about a user at a gateway (unregistration).
  virtual Result<void> remove_user(const std::string& gateway, const std::string& user) = 0;
};

}  // namespace junction::store
