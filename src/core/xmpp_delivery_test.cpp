#include "core/xmpp_delivery.hpp"

#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

namespace junction::core {
namespace {

// A stream that records writes and lets the test answer barriers by hand.
class FakeLink : public StanzaLink {
 public:
  bool up = false;
  std::vector<std::string> written;
  std::vector<std::function<void(bool)>> barriers;

  bool online() const override { return up; }
  bool write_serialized(std::string_view stanza) override {
    if (!up) return false;
    written.emplace_back(stanza);
    return true;
  }
  void barrier(std::function<void(bool)> done) override { barriers.push_back(std::move(done)); }
  void answer_first(bool answered) {
    auto first = std::move(barriers.front());
    barriers.erase(barriers.begin());
    first(answered);
  }
  void answer_all(bool answered) {
    auto pending = std::move(barriers);
    barriers.clear();
    for (auto& b : pending) b(answered);
  }
};

xmpp::Element message(const std::string& body) {
  xmpp::Element m("message");
  m.set_attr("to", "alice@example.org");
  m.set_attr("from", "bob@echo.example.org");
  m.add_child("body").set_text(body);
  return m;
}

class XmppDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::open(":memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
  }
  std::int64_t pending() { return *store->outbox().depth("echo", store::Direction::to_xmpp); }

  std::unique_ptr<store::SqliteStore> store;
  Metrics metrics;
  FakeLink link;
};

TEST_F(XmppDeliveryTest, OfflineStanzasAreStoredAndWrittenOnceOnline) {
  XmppDelivery delivery("echo", store->outbox(), link, metrics);
  ASSERT_TRUE(*delivery.deliver(message("one"), "k1", "alice@example.org"));
  ASSERT_TRUE(*delivery.deliver(message("two"), "k2", "alice@example.org"));
  EXPECT_TRUE(link.written.empty());
  EXPECT_EQ(pending(), 2);

  link.up = true;
  delivery.on_online();
  ASSERT_EQ(link.written.size(), 2u);
  EXPECT_NE(link.written[0].find("one"), std::string::npos);
  EXPECT_NE(link.written[1].find("two"), std::string::npos);
  EXPECT_EQ(pending(), 2) << "nothing is confirmed before the barrier answers";
  link.answer_all(true);
  EXPECT_EQ(pending(), 0);
}

TEST_F(XmppDeliveryTest, DuplicateKeyIsNotStoredOrWrittenTwice) {
  link.up = true;
  XmppDelivery delivery("echo", store->outbox(), link, metrics);
  delivery.on_online();
  ASSERT_TRUE(*delivery.deliver(message("hi"), "same", "alice@example.org"));
  auto again = delivery.deliver(message("hi"), "same", "alice@example.org");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(link.written.size(), 1u);
  link.answer_all(true);
  // Even after it was confirmed, the key stays known.
  EXPECT_FALSE(*delivery.deliver(message("hi"), "same", "alice@example.org"));
  EXPECT_EQ(link.written.size(), 1u);
}

TEST_F(XmppDeliveryTest, StreamLostBeforeBarrierMeansResendAfterReconnect) {
  link.up = true;
  XmppDelivery delivery("echo", store->outbox(), link, metrics);
  delivery.on_online();
  ASSERT_TRUE(*delivery.deliver(message("a"), "a", "alice@example.org"));
  ASSERT_TRUE(*delivery.deliver(message("b"), "b", "alice@example.org"));
  // Each write got its own barrier; neither is answered yet.
  ASSERT_EQ(link.barriers.size(), 2u);
  link.up = false;
  delivery.on_offline();
  link.answer_all(false);
  EXPECT_EQ(pending(), 2);

  link.written.clear();
  link.up = true;
  delivery.on_online();
  EXPECT_EQ(link.written.size(), 2u);
  link.answer_all(true);
  EXPECT_EQ(pending(), 0);
}

TEST_F(XmppDeliveryTest, StaleBarrierAnswerFromOldStreamConfirmsNothing) {
  link.up = true;
  XmppDelivery delivery("echo", store->outbox(), link, metrics);
  delivery.on_online();
  ASSERT_TRUE(*delivery.deliver(message("a"), "a", "alice@example.org"));
  auto old_barrier = std::move(link.barriers.front());
  link.barriers.clear();
  delivery.on_offline();
  delivery.on_online();  // rewrites "a" and asks a new barrier
  old_barrier(true);     // the old stream's answer must not count for the new writes
  EXPECT_EQ(pending(), 1);
  link.answer_all(true);
  EXPECT_EQ(pending(), 0);
}

TEST_F(XmppDeliveryTest, BacklogIsReplayedInPagesAndKeepsOrder) {
  XmppDelivery delivery("echo", store->outbox(), link, metrics, /*page_size=*/3);
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(*delivery.deliver(message("m" + std::to_string(i)), "k" + std::to_string(i), "alice@example.org"));
  link.up = true;
  delivery.on_online();
  EXPECT_EQ(link.written.size(), 3u);
  // A stanza arriving during the replay waits its turn behind the backlog.
  ASSERT_TRUE(*delivery.deliver(message("late"), "late", "alice@example.org"));
  EXPECT_EQ(link.written.size(), 3u);
  while (!link.barriers.empty()) link.answer_all(true);
  ASSERT_EQ(link.written.size(), 8u);
  for (int i = 0; i < 7; ++i) EXPECT_NE(link.written[i].find(">m" + std::to_string(i) + "<"), std::string::npos);
  EXPECT_NE(link.written[7].find("late"), std::string::npos);
  EXPECT_EQ(pending(), 0);
  EXPECT_FALSE(delivery.flushing_backlog());
}

TEST_F(XmppDeliveryTest, PipelinedBarriersConfirmInOrderAndAreBounded) {
  link.up = true;
  XmppDelivery delivery("echo", store->outbox(), link, metrics, /*page_size=*/500, /*max_barriers=*/2);
  delivery.on_online();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(*delivery.deliver(message("x"), "k" + std::to_string(i), "alice@example.org"));
  // Two barriers in flight (k0, k1); k2..k4 wait for a free slot.
  ASSERT_EQ(link.barriers.size(), 2u);
  link.answer_first(true);  // confirms k0, and a barrier covering k2..k4 takes its slot
  EXPECT_EQ(pending(), 4);
  ASSERT_EQ(link.barriers.size(), 2u);
  link.answer_first(true);  // k1
  EXPECT_EQ(pending(), 3);
  link.answer_first(true);  // k2..k4 together
  EXPECT_EQ(pending(), 0);
  EXPECT_TRUE(link.barriers.empty());
}

}  // namespace
}  // namespace junction::core

namespace junction::core {
namespace {

// Group commit: what waits while a batch is on the worker goes into the next batch, each
// batch is one transaction, duplicates inside a batch are caught, answers come after storage.
TEST_F(XmppDeliveryTest, DeliverAsyncGroupsWaitingStanzasIntoOneTransaction) {
  XmppDelivery delivery("echo", store->outbox(), link, metrics);
  link.up = true;
  delivery.on_online();
  std::vector<std::function<void()>> workers, continuations;
  int transactions = 0;
  delivery.enable_group_commit(
      [&](std::function<void()> work, std::function<void()> done) {
        workers.push_back(std::move(work));
        continuations.push_back(std::move(done));
      },
      [&](const std::function<Result<void>()>& work) {
        ++transactions;
        return store->batch(work);
      });
  std::vector<std::string> answers;
  auto record = [&](std::string name) {
    return [&answers, name](Result<bool> r) { answers.push_back(name + (r ? (*r ? ":new" : ":dup") : ":err")); };
  };
  delivery.deliver_async(message("a"), "ka", "alice@example.org", record("a"));
  delivery.deliver_async(message("b"), "kb", "alice@example.org", record("b"));
  delivery.deliver_async(message("b again"), "kb", "alice@example.org", record("b2"));
  ASSERT_EQ(workers.size(), 1u);  // the first started a batch alone; the others wait for the next
  workers[0]();
  EXPECT_TRUE(answers.empty());   // nothing answered before the loop sees the commit
  continuations[0]();
  EXPECT_EQ(answers, (std::vector<std::string>{"a:new"}));
  ASSERT_EQ(workers.size(), 2u);
  workers[1]();
  continuations[1]();
  EXPECT_EQ(answers, (std::vector<std::string>{"a:new", "b:new", "b2:dup"}));
  EXPECT_EQ(transactions, 2);
  EXPECT_EQ(link.written.size(), 2u);
  link.answer_all(true);
  EXPECT_EQ(pending(), 0);
}

}  // namespace
}  // namespace junction::core
