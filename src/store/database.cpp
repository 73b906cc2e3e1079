#include "store/database.hpp"

#include "util/log.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

namespace junction::store {

// ---- Statement ----------------------------------------------------------------------

Statement::Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

Statement::Statement(Statement&& other) noexcept : stmt_(other.stmt_), db_(other.db_) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    db_ = other.db_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Error Statement::error(std::string_view what) const {
  const char* sql = stmt_ ? sqlite3_sql(stmt_) : "";
  return Error{fmt::format("sqlite: {}: {} (in: {})", what, sqlite3_errmsg(db_), sql ? sql : "")};
}

Result<void> Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) return std::unexpected(error("bind"));
  return {};
}

Result<void> Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: the caller's buffer may be gone by the time the statement steps.
  if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
    return std::unexpected(error("bind"));
  return {};
}

Result<void> Statement::bind(int index, Blob blob) {
  if (sqlite3_bind_blob64(stmt_, index, blob.bytes.data(), blob.bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    return std::unexpected(error("bind"));
  return {};
}

Result<void> Statement::bind(int index, std::nullopt_t) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) return std::unexpected(error("bind"));
  return {};
}

Result<int> Statement::parameter_index(std::string_view name) const {
  int index = sqlite3_bind_parameter_index(stmt_, std::string(name).c_str());
  if (index == 0) return fail(fmt::format("sqlite: no parameter named {} in: {}", name, sqlite3_sql(stmt_)));
  return index;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  auto err = error("step");
  // A failed statement must be reset before it can run again (it stays in the cache).
  sqlite3_reset(stmt_);
  return std::unexpected(std::move(err));
}

Result<void> Statement::run() {
  for (;;) {
    auto row = step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return {};
  }
}

bool Statement::column_is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::column_text(int column) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  // The byte count must be asked after the text pointer: the conversion may change it.
  int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(text, static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::column_blob(int column) const {
  auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  int size = sqlite3_column_bytes(stmt_, column);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

int Statement::column_count() const { return sqlite3_column_count(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

// ---- CachedStatement ----------------------------------------------------------------

CachedStatement::CachedStatement(Statement owned)
    : owned_(std::make_unique<Statement>(std::move(owned))), stmt_(owned_.get()) {}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : owned_(std::move(other.owned_)), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

CachedStatement::~CachedStatement() {
  if (!stmt_) return;
  stmt_->reset();
  if (in_use_) *in_use_ = false;
}

// ---- Database -----------------------------------------------------------------------

namespace {

bool is_special_path(const std::string& path) {
  return path.empty() || path == ":memory:" || path.starts_with("file:");
}

}  // namespace

Result<Database> Database::open(const std::string& path, const DatabaseOptions& options) {
  if (!is_special_path(path)) {
    auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
      return fail(fmt::format("database {}: directory {} does not exist", path, parent.string()));
  }

  Database db;
  db.path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  int rc = sqlite3_open_v2(path.c_str(), &db.db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db.db_ ? sqlite3_errmsg(db.db_) : sqlite3_errstr(rc);
    return fail(fmt::format("database {}: cannot open: {}", path, why));
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, options.busy_timeout_ms);

  // WAL lets readers (another process, a backup) run beside the writer; with WAL,
  // synchronous=NORMAL stays durable against process crashes and only risks the last
  // commits on power loss, which is the trade the outbox benchmark is measured with.
  if (options.wal) {
    auto mode = db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return std::unexpected(mode.error());
    auto row = mode->step();
    if (!row) return fail(fmt::format("database {}: {}", path, row.error().message));
  }
  // A page cache of up to 64 MiB (SQLite's default is 2 MiB): archives spread over thousands
  // of conversations keep one hot leaf page each, and re-reading them through the kernel on
  // every batch cost more than the inserts. Memory is taken only as pages are touched.
  if (auto r = db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"); !r)
    return fail(fmt::format("database {}: {}", path, r.error().message));
  // Touch the file now so an unreadable or non-database file is reported at open time.
  if (auto r = db.exec("SELECT count(*) FROM sqlite_master"); !r)
    return fail(fmt::format("database {}: {}", path, r.error().message));
  return db;
}

Database::Database(Database&& other) noexcept
    : db_(other.db_), path_(std::move(other.path_)), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = other.db_;
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
    other.db_ = nullptr;
  }
  return *this;
}

Database::~Database() {
  // close_v2 defers the close until statements still held elsewhere are finalized.
  cache_.clear();
  if (db_ && sqlite3_close_v2(db_) != SQLITE_OK)
    log::warn("store", "closing {}: {}", path_, sqlite3_errmsg(db_));
}

Result<void> Database::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return fail(fmt::format("sqlite: {} (in: {})", why, sql));
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                              nullptr);
  if (rc != SQLITE_OK) return fail(fmt::format("sqlite: prepare: {} (in: {})", sqlite3_errmsg(db_), sql));
  return Statement(stmt, db_);
}

Result<CachedStatement> Database::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    auto entry = std::make_unique<CacheEntry>();
    entry->stmt = std::move(*stmt);
    it = cache_.emplace(sql, std::move(entry)).first;
  }
  CacheEntry& entry = *it->second;
  if (entry.in_use) {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    return CachedStatement(std::move(*stmt));
  }
  entry.in_use = true;
  return CachedStatement(&entry.stmt, &entry.in_use);
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction --------------------------------------------------------------------

Result<Transaction> Transaction::begin(Database& db) {
  if (db.in_transaction()) {
    // SQLite allows the same savepoint name nested; RELEASE pops the innermost one.
    if (auto r = db.exec("SAVEPOINT junction_nested"); !r) return std::unexpected(r.error());
    return Transaction(&db, "junction_nested");
  }
  // IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes
  // can fail with SQLITE_BUSY without the busy handler being able to help.
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::unexpected(r.error());
  return Transaction(&db, {});
}

Transaction::Transaction(Transaction&& other) noexcept : db_(other.db_), savepoint_(std::move(other.savepoint_)) {
  other.db_ = nullptr;
}

Transaction::~Transaction() { rollback(); }

Result<void> Transaction::commit() {
  if (!db_) return fail("transaction already finished");
  auto r = savepoint_.empty() ? db_->exec("COMMIT") : db_->exec("RELEASE " + savepoint_);
  if (!r) {
    rollback();
    return r;
  }
  db_ = nullptr;
  return {};
}

void Transaction::rollback() {
  if (!db_) return;
  Database* db = db_;
  db_ = nullptr;
  if (savepoint_.empty()) {
    // Some errors (SQLITE_FULL, IOERR) already rolled the transaction back.
    if (db->in_transaction()) {
      if (auto r = db->exec("ROLLBACK"); !r) log::error("store", "rollback failed: {}", r.error().message);
    }
    return;
  }
  auto r = db->exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
  if (!r) log::error("store", "rollback to savepoint failed: {}", r.error().message);
}

}  // namespace junction::store
