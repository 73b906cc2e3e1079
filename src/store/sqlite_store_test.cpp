#include "store/sqlite_store.hpp"

#include "store/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::store {
namespace {

OutboxEntry entry(Direction direction, std::string key, std::string user, std::string payload) {
  OutboxEntry e;
  e.gateway = "sms";
  e.direction = direction;
  e.key = std::move(key);
  e.user = std::move(user);
  e.payload = std::move(payload);
  return e;
}

std::unique_ptr<SqliteStore> open_memory() {
  auto store = SqliteStore::open(":memory:");
  EXPECT_TRUE(store) << store.error().message;
  return std::move(*store);
}

TEST(SqliteStore, RegistrationsRoundTrip) {
  auto store = open_memory();
  auto& regs = store->registrations();
  ASSERT_TRUE(regs.upsert({"sms", "alice@example.org", {{"number", "+1555"}, {"pin", "1"}}, 1000, 0}));
  auto got = regs.get("sms", "alice@example.org");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->fields, (std::map<std::string, std::string>{{"number", "+1555"}, {"pin", "1"}}));
  EXPECT_EQ((*got)->created_at, 1000);
  EXPECT_GT((*got)->updated_at, 1000);  // 0 means now

  // An update replaces the fields and keeps created_at.
  ASSERT_TRUE(regs.upsert({"sms", "alice@example.org", {{"number", "+1666"}}, 5000, 6000}));
  got = regs.get("sms", "alice@example.org");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->fields, (std::map<std::string, std::string>{{"number", "+1666"}}));
  EXPECT_EQ((*got)->created_at, 1000);
  EXPECT_EQ((*got)->updated_at, 6000);

  ASSERT_TRUE(regs.upsert({"sms", "bob@example.org", {}, 0, 0}));
  ASSERT_TRUE(regs.upsert({"irc", "carol@example.org", {{"nick", "c"}}, 0, 0}));
  auto all = regs.list("sms");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].user, "alice@example.org");
  EXPECT_EQ((*all)[0].fields.size(), 1u);
  EXPECT_EQ((*all)[1].user, "bob@example.org");
  EXPECT_TRUE((*all)[1].fields.empty());

  EXPECT_TRUE(*regs.remove("sms", "alice@example.org"));
  EXPECT_FALSE(*regs.remove("sms", "alice@example.org"));
  EXPECT_FALSE(*regs.get("sms", "alice@example.org"));
  auto orphans = store->with_database([](Database& db) {
    auto st = db.prepare("SELECT count(*) FROM registration_fields WHERE user_jid = 'alice@example.org'");
    return st && st->step() ? st->column_int64(0) : -1;
  });
  EXPECT_EQ(orphans, 0);
}

TEST(SqliteStore, Contacts) {
  auto store = open_memory();
  auto& contacts = store->contacts();
  ASSERT_TRUE(contacts.upsert({"sms", "a@x", "+1@sms.x", "Mum", Subscription::both, 0}));
  ASSERT_TRUE(contacts.upsert({"sms", "a@x", "+2@sms.x", "", Subscription::to, 7}));
  ASSERT_TRUE(contacts.upsert({"sms", "b@x", "+1@sms.x", "", Subscription::none, 7}));
  ASSERT_TRUE(contacts.upsert({"sms", "a@x", "+1@sms.x", "Mother", Subscription::from, 9}));
  auto got = contacts.get("sms", "a@x", "+1@sms.x");
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->name, "Mother");
  EXPECT_EQ((*got)->subscription, Subscription::from);
  EXPECT_EQ((*got)->updated_at, 9);
  auto list = contacts.list_for_user("sms", "a@x");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].contact, "+2@sms.x");
  EXPECT_EQ((*list)[1].subscription, Subscription::to);
  EXPECT_EQ(*contacts.remove_all_for_user("sms", "a@x"), 2);
  EXPECT_FALSE(*contacts.get("sms", "a@x", "+1@sms.x"));
  EXPECT_TRUE(*contacts.get("sms", "b@x", "+1@sms.x"));
}

TEST(SqliteStore, Dedupe) {
  auto store = open_memory();
  auto& dedupe = store->dedupe();
  EXPECT_TRUE(*dedupe.remember("sms", "SM1"));
  EXPECT_FALSE(*dedupe.remember("sms", "SM1"));
  EXPECT_TRUE(*dedupe.remember("mail", "SM1"));  // keys are per gateway
  EXPECT_EQ(*dedupe.prune(1), 0);                // nothing seen before 1970
  EXPECT_EQ(*dedupe.prune(std::numeric_limits<Millis>::max()), 2);
  EXPECT_TRUE(*dedupe.remember("sms", "SM1"));
}

TEST(SqliteStore, KeyValue) {
  auto store = open_memory();
  auto& kv = store->kv();
  ASSERT_TRUE(kv.put("irc", "a@x", "net.libera.nick", "al"));
  ASSERT_TRUE(kv.put("irc", "a@x", "net.libera.pass", "pw"));
  ASSERT_TRUE(kv.put("irc", "a@x", "net.oftc.nick", "al2"));
  ASSERT_TRUE(kv.put("irc", "a@x", "net_libera", "wildcard bait"));
  ASSERT_TRUE(kv.put("irc", "", "net.libera.nick", "gateway-wide"));
  ASSERT_TRUE(kv.put("irc", "a@x", "net.libera.nick", "alice"));
  EXPECT_EQ(**kv.get("irc", "a@x", "net.libera.nick"), "alice");
  EXPECT_EQ(**kv.get("irc", "", "net.libera.nick"), "gateway-wide");
  EXPECT_FALSE(*kv.get("irc", "b@x", "net.libera.nick"));

  auto libera = kv.list("irc", "a@x", "net.libera.");
  ASSERT_TRUE(libera);
  EXPECT_EQ(*libera, (std::map<std::string, std::string>{{"net.libera.nick", "alice"}, {"net.libera.pass", "pw"}}));
  EXPECT_EQ(kv.list("irc", "a@x", "")->size(), 4u);
  EXPECT_EQ(kv.list("irc", "a@x", "NET.")->size(), 0u);  // exact, case-sensitive
  ASSERT_TRUE(kv.put("irc", "a@x", "\xff\xff", "high"));
  EXPECT_EQ(kv.list("irc", "a@x", "\xff")->size(), 1u);

  EXPECT_TRUE(*kv.erase("irc", "a@x", "net.oftc.nick"));
  EXPECT_FALSE(*kv.erase("irc", "a@x", "net.oftc.nick"));
  EXPECT_EQ(*kv.erase_user("irc", "a@x"), 4);
  EXPECT_TRUE(*kv.get("irc", "", "net.libera.nick"));  // gateway-wide rows stay
}

TEST(SqliteStore, RemoveUserCleansEveryTable) {
  auto store = open_memory();
  for (const char* user : {"a@x", "b@x"}) {
    ASSERT_TRUE(store->registrations().upsert({"sms", user, {{"f", "v"}}, 0, 0}));
    ASSERT_TRUE(store->contacts().upsert({"sms", user, "+1@sms.x", "", Subscription::both, 0}));
    ASSERT_TRUE(store->outbox().enqueue(entry(Direction::to_legacy, std::string("k-") + user, user, "p")));
    ASSERT_TRUE(store->kv().put("sms", user, "k", "v"));
  }
  ASSERT_TRUE(store->registrations().upsert({"irc", "a@x", {}, 0, 0}));
  ASSERT_TRUE(store->remove_user("sms", "a@x"));

  auto rows = [&](const char* table, const char* user) {
    return store->with_database([&](Database& db) -> std::int64_t {
      // The table name comes from this test's own list, never from data.
      auto st = db.prepare(std::string("SELECT count(*) FROM ") + table + " WHERE gateway = 'sms' AND user_jid = ?");
      if (!st || !st->bind(1, user) || !st->step()) return -1;
      return st->column_int64(0);
    });
  };
  for (const char* table : {"registrations", "registration_fields", "contacts", "outbox", "kv"}) {
    EXPECT_EQ(rows(table, "a@x"), 0) << table;
    EXPECT_EQ(rows(table, "b@x"), 1) << table;
  }
  EXPECT_TRUE(*store->registrations().get("irc", "a@x"));  // other gateways untouched
}

TEST(SqliteStore, BatchCommitsOrRollsBackTogether) {
  auto store = open_memory();
  ASSERT_TRUE(store->batch([&]() -> Result<void> {
    for (int i = 0; i < 10; ++i) {
      auto r = store->dedupe().remember("sms", "k" + std::to_string(i));
      if (!r) return std::unexpected(r.error());
    }
    return {};
  }));
  auto r = store->batch([&]() -> Result<void> {
    (void)store->dedupe().remember("sms", "rolled-back");
    return fail("provider said no");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "provider said no");
  EXPECT_TRUE(*store->dedupe().remember("sms", "rolled-back"));
  EXPECT_FALSE(*store->dedupe().remember("sms", "k9"));
}

TEST(SqliteStore, MissingParentDirectoryIsAnError) {
  auto store = SqliteStore::open("/no/such/junction/dir/j.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("does not exist"), std::string::npos);
}

TEST(SqliteStore, FileDatabaseSurvivesReopen) {
  testing::TempDir dir;
  const auto path = dir.file("junction.db");
  std::int64_t id = 0;
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->registrations().upsert({"sms", "a@x", {{"n", "1"}}, 0, 0}));
    auto e = (*store)->outbox().enqueue(entry(Direction::to_xmpp, "SM1", "a@x", "<message/>"));
    ASSERT_TRUE(e);
    id = e->id;
    ASSERT_TRUE((*store)->dedupe().remember("sms", "SM1"));
  }
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*(*store)->registrations().get("sms", "a@x"))->fields.at("n"), "1");
  auto e = (*store)->outbox().get(id);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->payload, "<message/>");
  EXPECT_FALSE(*(*store)->dedupe().remember("sms", "SM1"));
}

}  // namespace
}  // namespace junction::store
