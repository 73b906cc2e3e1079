#include "store/database.hpp"

#include <gtest/gtest.h>

namespace junction::store {
namespace {

Database open_memory() {
  auto db = Database::open(":memory:");
  EXPECT_TRUE(db) << db.error().message;
  return std::move(*db);
}

TEST(Database, BindsAndReadsEveryType) {
  auto db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB, n TEXT)"));
  auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
  ASSERT_TRUE(insert);
  const std::string bytes("a\0b\xff", 4);
  ASSERT_TRUE(insert->bind_all(std::int64_t{1} << 40, "héllo", Blob{bytes}, std::nullopt));
  ASSERT_TRUE(insert->run());

  auto select = db.prepare("SELECT i, s, b, n FROM t");
  ASSERT_TRUE(select);
  auto row = select->step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(select->column_int64(0), std::int64_t{1} << 40);
  EXPECT_EQ(select->column_text(1), "héllo");
  EXPECT_EQ(select->column_blob(2), bytes);
  EXPECT_TRUE(select->column_is_null(3));
  EXPECT_EQ(select->column_text(3), "");
  row = select->step();
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
}

TEST(Database, NamedParameters) {
  auto db = open_memory();
  auto st = db.prepare("SELECT :a + :b");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->bind(":a", 2));
  ASSERT_TRUE(st->bind(":b", std::int64_t{40}));
  ASSERT_TRUE(st->step());
  EXPECT_EQ(st->column_int64(0), 42);
  EXPECT_FALSE(st->bind(":missing", 1));
}

TEST(Database, ValuesAreNeverSql) {
  auto db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (s TEXT)"));
  auto st = db.prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->bind(1, "x'); DROP TABLE t; --"));
  ASSERT_TRUE(st->run());
  auto count = db.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count && count->step());
  EXPECT_EQ(count->column_int64(0), 1);
}

TEST(Database, ReportsErrorsAsValues) {
  auto db = open_memory();
  auto bad = db.prepare("SELEC nonsense");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("SELEC"), std::string::npos);
  ASSERT_TRUE(db.exec("CREATE TABLE t (s TEXT NOT NULL UNIQUE)"));
  auto st = db.prepare("INSERT INTO t VALUES (?)");
  ASSERT_TRUE(st && st->bind(1, "x") && st->run());
  st->reset();
  ASSERT_TRUE(st->bind(1, "x"));
  EXPECT_FALSE(st->run());
}

TEST(Database, MissingDirectoryIsAClearError) {
  auto db = Database::open("/nonexistent-junction-dir/sub/x.db");
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("does not exist"), std::string::npos) << db.error().message;
}

TEST(Database, CachedStatementsAreReusedAndReset) {
  auto db = open_memory();
  const std::string sql = "SELECT ? * 2";
  sqlite3_stmt* first = nullptr;
  {
    auto st = db.cached(sql);
    ASSERT_TRUE(st);
    ASSERT_TRUE((*st)->bind(1, 21));
    ASSERT_TRUE((*st)->step());
    EXPECT_EQ((*st)->column_int64(0), 42);
    first = (*st)->handle();
    // Borrowing the same SQL while it is out gives a separate statement.
    auto again = db.cached(sql);
    ASSERT_TRUE(again);
    EXPECT_NE((*again)->handle(), first);
  }
  auto st = db.cached(sql);
  ASSERT_TRUE(st);
  EXPECT_EQ((*st)->handle(), first);
  ASSERT_TRUE((*st)->step());
  EXPECT_TRUE((*st)->column_is_null(0));  // bindings were cleared on return
}

TEST(Database, TransactionRollsBackUnlessCommitted) {
  auto db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER)"));
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)"));
  }
  {
    auto tx = Transaction::begin(db);
    ASSERT_TRUE(tx);
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)"));
    {
      auto inner = Transaction::begin(db);  // a savepoint
      ASSERT_TRUE(inner);
      ASSERT_TRUE(db.exec("INSERT INTO t VALUES (3)"));
      inner->rollback();
    }
    {
      auto inner = Transaction::begin(db);
      ASSERT_TRUE(inner);
      ASSERT_TRUE(db.exec("INSERT INTO t VALUES (4)"));
      ASSERT_TRUE(inner->commit());
    }
    ASSERT_TRUE(tx->commit());
  }
  EXPECT_FALSE(db.in_transaction());
  auto st = db.prepare("SELECT group_concat(i) FROM (SELECT i FROM t ORDER BY i)");
  ASSERT_TRUE(st && st->step());
  EXPECT_EQ(st->column_text(0), "2,4");
}

}  // namespace
}  // namespace junction::store
