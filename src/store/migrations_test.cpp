#include "store/migrations.hpp"

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::store {
namespace {

int count_rows(Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  EXPECT_TRUE(st) << st.error().message;
  auto row = st->step();
  EXPECT_TRUE(row && *row);
  return static_cast<int>(st->column_int64(0));
}

TEST(Migrations, FromEmptyToCurrent) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db);
  EXPECT_EQ(*schema_version(*db), 0);
  auto version = migrate_core(*db);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, static_cast<int>(core_migrations().size()));
  EXPECT_EQ(*schema_version(*db), *version);
  for (const char* table : {"registrations", "registration_fields", "contacts", "outbox", "dedupe", "kv",
                            "module_versions"}) {
    auto st = db->prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
    ASSERT_TRUE(st && st->bind(1, table) && st->step());
    EXPECT_EQ(st->column_int64(0), 1) << table;
  }
}

TEST(Migrations, ReopenIsIdempotent) {
  testing::TempDir dir;
  const auto path = dir.file("j.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
  }
  auto db = Database::open(path);
  ASSERT_TRUE(db);
  const int before = count_rows(*db, "SELECT count(*) FROM sqlite_master");
  auto version = migrate_core(*db);
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, static_cast<int>(core_migrations().size()));
  EXPECT_EQ(count_rows(*db, "SELECT count(*) FROM sqlite_master"), before);
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode && mode->step());
  EXPECT_EQ(mode->column_text(0), "wal");
}

TEST(Migrations, TooNewDatabaseIsRefused) {
  testing::TempDir dir;
  const auto path = dir.file("j.db");
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrate_core(*db));
    ASSERT_TRUE(db->exec("PRAGMA user_version = 999"));
  }
  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("999"), std::string::npos) << store.error().message;
}

TEST(Migrations, FailedStepLeavesVersionUnchanged) {
  auto db = Database::open(":memory:");
  ASSERT_TRUE(db && migrate_core(*db));
  auto r = db->migrate_module("sms", {"CREATE TABLE sms_numbers (number TEXT PRIMARY KEY)", "THIS IS NOT SQL"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("step 2"), std::string::npos) << r.error().message;
  // Step 1 committed on its own, step 2 rolled back.
  EXPECT_EQ(count_rows(*db, "SELECT version FROM module_versions WHERE module = 'sms'"), 1);
}

TEST(Migrations, ModuleMigrations) {
  auto store = SqliteStore::open(":memory:");
  ASSERT_TRUE(store);
  std::vector<std::string> steps = {"CREATE TABLE irc_channels (network TEXT NOT NULL, channel TEXT NOT NULL)"};
  auto v = (*store)->migrate_module("irc", steps);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(*v, 1);
  EXPECT_EQ(*(*store)->migrate_module("irc", steps), 1);  // idempotent

  steps.push_back("ALTER TABLE irc_channels ADD COLUMN topic TEXT NOT NULL DEFAULT ''");
  EXPECT_EQ(*(*store)->migrate_module("irc", steps), 2);
  // Another module's list is counted separately.
  EXPECT_EQ(*(*store)->migrate_module("email", {"CREATE TABLE email_seen (id TEXT)"}), 1);

  auto columns = (*store)->with_database(
      [](Database& db) { return count_rows(db, "SELECT count(*) FROM pragma_table_info('irc_channels')"); });
  EXPECT_EQ(columns, 3);

  // A build that knows fewer steps than the database has applied is refused.
  auto older = (*store)->migrate_module("irc", {steps[0]});
  ASSERT_FALSE(older);
  EXPECT_NE(older.error().message.find("newer"), std::string::npos);
}

}  // namespace
}  // namespace junction::store
