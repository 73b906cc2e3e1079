#pragma once
// A thin RAII layer over sqlite3: one connection, prepared statements, transactions.
// Thread-safety: none. A Database and its statements belong to one thread at a time; the
// SqliteStore serialises access with a mutex. SQL text always comes from code: values go
// through bind(), never into the SQL string.
#include "util/result.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace junction::store {

class Database;

// Bytes to bind as a BLOB (a std::string would be bound as TEXT).
struct Blob {
  std::string_view bytes;
};

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3_stmt* stmt, sqlite3* db);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Parameters are numbered from 1, as in SQLite. Values are copied at bind time.
  Result<void> bind(int index, std::int64_t value);
  Result<void> bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Result<void> bind(int index, std::string_view text);
  Result<void> bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Result<void> bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Result<void> bind(int index, Blob blob);
  Result<void> bind(int index, std::nullopt_t);
  Result<void> bind_null(int index) { return bind(index, std::nullopt); }

  // Named parameters (":name", "@name", "$name", the prefix included).
  template <class T>
  Result<void> bind(std::string_view name, const T& value) {
    auto index = parameter_index(name);
    if (!index) return std::unexpected(index.error());
    return bind(*index, value);
  }
  Result<int> parameter_index(std::string_view name) const;

  // Binds the arguments to parameters 1..N in order.
  template <class... Args>
  Result<void> bind_all(const Args&... args) {
    Result<void> result;
    int index = 0;
    ((result = result ? bind(++index, args) : result), ...);
    return result;
  }

  // true: a row is available; false: the statement has finished.
  Result<bool> step();
  // Steps to completion, ignoring any rows (INSERT/UPDATE/DELETE).
  Result<void> run();

  bool column_is_null(int column) const;
  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::string column_blob(int column) const;
  int column_count() const;

  // Makes the statement ready to run again and forgets its bindings.
  void reset();

  explicit operator bool() const { return stmt_ != nullptr; }
  sqlite3_stmt* handle() const { return stmt_; }

 private:
  Error error(std::string_view what) const;

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// A statement borrowed from the Database's cache; reset (bindings cleared) when returned.
class CachedStatement {
 public:
  CachedStatement(Statement* cached, bool* in_use) : stmt_(cached), in_use_(in_use) {}
  explicit CachedStatement(Statement owned);
  CachedStatement(CachedStatement&& other) noexcept;
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  CachedStatement& operator=(const CachedStatement&) = delete;
  ~CachedStatement();

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  std::unique_ptr<Statement> owned_;
  Statement* stmt_ = nullptr;
  bool* in_use_ = nullptr;
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  bool wal = true;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path`; ":memory:" for a private in-memory
  // one. The parent directory must exist: a missing one is reported, not created, so a
  // typo in the config doesn't scatter databases around the file system.
  static Result<Database> open(const std::string& path, const DatabaseOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without parameters (schema scripts, pragmas).
  Result<void> exec(const std::string& sql);
  // A fresh statement owned by the caller.
  Result<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and reused: for the hot paths. If the same
  // SQL is already borrowed (re-entrant use), a temporary statement is handed out instead.
  Result<CachedStatement> cached(const std::string& sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  bool in_transaction() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

  // Applies a gateway's own migrations. `steps` is the whole ordered list for `module`:
  // each step runs once, in a transaction, and the count applied is kept in the
  // module_versions table. A database that has applied more steps than `steps` holds was
  // written by a newer build, and is refused. Needs the core schema (see migrations.hpp).
  Result<int> migrate_module(const std::string& module, const std::vector<std::string>& steps);

 private:
  Database() = default;
  struct CacheEntry {
    Statement stmt;
    bool in_use = false;
  };

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<CacheEntry>> cache_;
};

// Scope guard: rolls back unless commit() succeeded. Inside an open transaction it becomes
// a savepoint, so operations that guard themselves can be grouped in a larger transaction.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Result<void> commit();
  void rollback();

 private:
  Transaction(Database* db, std::string savepoint) : db_(db), savepoint_(std::move(savepoint)) {}
  Database* db_ = nullptr;
  std::string savepoint_;  // empty for the outermost transaction
};

}  // namespace junction::store
