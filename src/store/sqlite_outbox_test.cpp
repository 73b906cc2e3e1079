#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace junction::store {
namespace {

class Outbox : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(":memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
  }
  OutboxRepository& outbox() { return store->outbox(); }

  std::int64_t add(const std::string& key, Millis created_at, Millis next_attempt_at = 0,
                   Direction direction = Direction::to_legacy, const std::string& user = "a@x") {
    OutboxEntry e;
    e.gateway = "sms";
    e.direction = direction;
    e.key = key;
    e.user = user;
    e.payload = "payload " + key;
    e.created_at = created_at;
    e.next_attempt_at = next_attempt_at;
    auto r = outbox().enqueue(e);
    EXPECT_TRUE(r && r->inserted) << key;
    return r ? r->id : 0;
  }

  static std::vector<std::string> keys(const Result<std::vector<OutboxEntry>>& entries) {
    std::vector<std::string> out;
    if (entries)
      for (const auto& e : *entries) out.push_back(e.key);
    return out;
  }

  std::unique_ptr<SqliteStore> store;
};

TEST_F(Outbox, EnqueueStoresEveryFieldAndDeduplicates) {
  OutboxEntry e;
  e.gateway = "sms";
  e.direction = Direction::to_xmpp;
  e.key = "SM123";
  e.user = "a@x";
  e.payload = std::string("bin\0ary", 7);
  e.provider_ref = "ref-1";
  e.created_at = 42;
  auto first = outbox().enqueue(e);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->inserted);
  EXPECT_GT(first->id, 0);

  e.payload = "changed";
  auto second = outbox().enqueue(e);
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->inserted);
  EXPECT_EQ(second->id, first->id);

  // Same key, other direction or gateway: a different entry.
  e.direction = Direction::to_legacy;
  auto other = outbox().enqueue(e);
  ASSERT_TRUE(other && other->inserted);
  EXPECT_NE(other->id, first->id);

  auto got = outbox().get(first->id);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->payload, std::string("bin\0ary", 7));  // the first write wins
  EXPECT_EQ((*got)->direction, Direction::to_xmpp);
  EXPECT_EQ((*got)->state, OutboxState::pending);
  EXPECT_EQ((*got)->provider_ref, "ref-1");
  EXPECT_EQ((*got)->created_at, 42);

  auto by_key = outbox().find_by_key("sms", Direction::to_xmpp, "SM123");
  ASSERT_TRUE(by_key && *by_key);
  EXPECT_EQ((*by_key)->id, first->id);
  EXPECT_FALSE(*outbox().find_by_key("sms", Direction::to_xmpp, "nope"));
  EXPECT_FALSE(*outbox().get(9999));
}

TEST_F(Outbox, CreatedAtDefaultsToNow) {
  auto id = add("k", 0);
  EXPECT_GT((*outbox().get(id))->created_at, 1'600'000'000'000);
}

TEST_F(Outbox, DueIsOldestFirstAndFilteredByTime) {
  add("c", 300, 0);
  add("a", 100, 50);
  add("later", 50, 10'000);
  add("b", 200, 1000);
  add("other-direction", 10, 0, Direction::to_xmpp);
  EXPECT_EQ(keys(outbox().due("sms", Direction::to_legacy, 1000, 10)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(keys(outbox().due("sms", Direction::to_legacy, 999, 10)), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(keys(outbox().due("sms", Direction::to_legacy, 1000, 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(keys(outbox().due("sms", Direction::to_legacy, 20'000, 10)),
            (std::vector<std::string>{"later", "a", "b", "c"}));
  EXPECT_TRUE(outbox().due("mail", Direction::to_legacy, 20'000, 10)->empty());
}

TEST_F(Outbox, RetryScheduling) {
  auto id = add("k", 100);
  ASSERT_TRUE(outbox().schedule_retry(id, 5000, "503 from provider"));
  auto e = outbox().get(id);
  EXPECT_EQ((*e)->attempts, 1);
  EXPECT_EQ((*e)->next_attempt_at, 5000);
  EXPECT_EQ((*e)->last_error, "503 from provider");
  EXPECT_TRUE(outbox().due("sms", Direction::to_legacy, 4999, 10)->empty());
  EXPECT_EQ(outbox().due("sms", Direction::to_legacy, 5000, 10)->size(), 1u);

  ASSERT_TRUE(outbox().set_state(id, OutboxState::sent));
  EXPECT_TRUE(outbox().due("sms", Direction::to_legacy, 9999, 10)->empty());
  ASSERT_TRUE(outbox().schedule_retry(id, 6000, "timeout"));  // back to pending
  e = outbox().get(id);
  EXPECT_EQ((*e)->state, OutboxState::pending);
  EXPECT_EQ((*e)->attempts, 2);

  ASSERT_TRUE(outbox().set_state(id, OutboxState::failed, "invalid number"));
  EXPECT_EQ((*outbox().get(id))->last_error, "invalid number");
  ASSERT_TRUE(outbox().set_state(id, OutboxState::failed));
  EXPECT_EQ((*outbox().get(id))->last_error, "invalid number");

  EXPECT_FALSE(outbox().schedule_retry(9999, 1, "x"));
  EXPECT_FALSE(outbox().set_state(9999, OutboxState::done));
}

TEST_F(Outbox, ProviderRef) {
  auto id = add("k", 100);
  EXPECT_FALSE(*outbox().find_by_provider_ref("sms", "SMabc"));
  ASSERT_TRUE(outbox().set_provider_ref(id, "SMabc"));
  auto e = outbox().find_by_provider_ref("sms", "SMabc");
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->id, id);
  EXPECT_FALSE(*outbox().find_by_provider_ref("mail", "SMabc"));
  EXPECT_FALSE(*outbox().find_by_provider_ref("sms", ""));
}

TEST_F(Outbox, SetStateManyUndeliveredAndDepth) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(add("x" + std::to_string(i), 100 + i, 0, Direction::to_xmpp));
  add("legacy", 1);
  EXPECT_EQ(*outbox().depth("sms", Direction::to_xmpp), 5);
  ASSERT_TRUE(outbox().set_state_many({ids[0], ids[1], ids[2]}, OutboxState::sent));
  ASSERT_TRUE(outbox().set_state_many({}, OutboxState::done));
  EXPECT_EQ(*outbox().depth("sms", Direction::to_xmpp), 5);  // sent still counts
  EXPECT_EQ(keys(outbox().undelivered("sms", Direction::to_xmpp, 10)),
            (std::vector<std::string>{"x0", "x1", "x2", "x3", "x4"}));
  ASSERT_TRUE(outbox().set_state_many({ids[0], ids[1]}, OutboxState::done));
  ASSERT_TRUE(outbox().set_state(ids[3], OutboxState::failed));
  EXPECT_EQ(*outbox().depth("sms", Direction::to_xmpp), 2);
  EXPECT_EQ(keys(outbox().undelivered("sms", Direction::to_xmpp, 10)), (std::vector<std::string>{"x2", "x4"}));
  EXPECT_EQ(keys(outbox().undelivered("sms", Direction::to_xmpp, 1)), (std::vector<std::string>{"x2"}));
  EXPECT_EQ(*outbox().depth("sms", Direction::to_legacy), 1);
}

TEST_F(Outbox, PruneRemovesOnlyOldFinishedEntries) {
  auto old_done = add("old-done", 100);
  auto old_failed = add("old-failed", 100);
  add("old-pending", 100);
  auto new_done = add("new-done", 5000);
  ASSERT_TRUE(outbox().set_state_many({old_done, new_done}, OutboxState::done));
  ASSERT_TRUE(outbox().set_state(old_failed, OutboxState::failed));
  EXPECT_EQ(*outbox().prune(1000), 2);
  EXPECT_FALSE(*outbox().get(old_done));
  EXPECT_FALSE(*outbox().get(old_failed));
  EXPECT_TRUE(*outbox().find_by_key("sms", Direction::to_legacy, "old-pending"));
  EXPECT_TRUE(*outbox().get(new_done));
}

TEST_F(Outbox, RemoveForUser) {
  add("a1", 1, 0, Direction::to_legacy, "a@x");
  add("a2", 1, 0, Direction::to_xmpp, "a@x");
  add("b1", 1, 0, Direction::to_legacy, "b@x");
  EXPECT_EQ(*outbox().remove_for_user("sms", "a@x"), 2);
  EXPECT_EQ(*outbox().depth("sms", Direction::to_legacy), 1);
}

TEST_F(Outbox, ConcurrentAccessFromFourThreads) {
  constexpr int threads = 4;
  constexpr int per_thread = 250;
  std::vector<std::thread> workers;
  std::vector<std::vector<std::int64_t>> ids(threads);
  std::atomic<int> errors{0};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        OutboxEntry e;
        e.gateway = "sms";
        // Half the keys are shared between threads: exactly one insert may win.
        e.key = i % 2 ? "shared-" + std::to_string(i) : "t" + std::to_string(t) + "-" + std::to_string(i);
        e.user = "a@x";
        e.payload = "p";
        auto r = store->outbox().enqueue(e);
        if (!r) {
          ++errors;
          continue;
        }
        if (r->inserted) ids[t].push_back(r->id);
        if (!store->dedupe().remember("sms", e.key)) ++errors;
        if (!store->kv().put("sms", "a@x", "last-" + std::to_string(t), e.key)) ++errors;
        if (i % 10 == 0 && !store->outbox().due("sms", Direction::to_legacy, 1, 5)) ++errors;
      }
      if (!store->outbox().set_state_many(ids[t], OutboxState::done)) ++errors;
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<std::int64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  const std::size_t expected = threads * per_thread / 2 + per_thread / 2;
  EXPECT_EQ(all.size(), expected);
  EXPECT_EQ(*store->outbox().depth("sms", Direction::to_legacy), 0);
  EXPECT_EQ(store->kv().list("sms", "a@x", "last-")->size(), 4u);
}

}  // namespace
}  // namespace junction::store
