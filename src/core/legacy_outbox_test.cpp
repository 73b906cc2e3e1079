#include "core/legacy_outbox.hpp"

#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace junction::core {
namespace {

using namespace std::chrono_literals;

class LegacyOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteStore::open(":memory:");
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
    options.retry_base = 1ms;
    options.retry_max = 5ms;
    options.poll_interval = 2ms;
    options.max_attempts = 3;
  }
  store::OutboxEntry entry(const std::string& key) {
    store::OutboxEntry e;
    e.key = key;
    e.user = "alice@example.org";
    e.payload = "text for " + key;
    return e;
  }
  std::optional<store::OutboxEntry> stored(const std::string& key) {
    return *store->outbox().find_by_key("sms", store::Direction::to_legacy, key);
  }
  void run_until(const std::function<bool()>& done) {
    // Workers post back from other threads: keep the loop waiting for them.
    auto guard = asio::make_work_guard(io);
    for (int i = 0; i < 400 && !done(); ++i) {
      io.restart();
      io.run_for(5ms);
    }
  }

  asio::io_context io;
  std::unique_ptr<store::SqliteStore> store;
  Metrics metrics;
  LegacyOutbox::Options options;
};

TEST_F(LegacyOutboxTest, SuccessIsSentOnceAndRecordedWithTheProviderId) {
  LegacyOutbox outbox(io, "sms", store->outbox(), metrics, options);
  int calls = 0;
  outbox.set_sender([&](const store::OutboxEntry& e, std::function<void(SendOutcome)> done) {
    ++calls;
    EXPECT_EQ(e.payload, "text for a");
    done({SendOutcome::Kind::success, {}, {}, "SM123"});
  });
  ASSERT_TRUE(outbox.enqueue(entry("a")));
  run_until([&] { return stored("a")->state == store::OutboxState::done; });
  io.run_for(20ms);  // no second attempt may follow
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(stored("a")->provider_ref, "SM123");
}

TEST_F(LegacyOutboxTest, TransientFailureRetriesThenSucceeds) {
  LegacyOutbox outbox(io, "sms", store->outbox(), metrics, options);
  int calls = 0;
  outbox.set_sender([&](const store::OutboxEntry&, std::function<void(SendOutcome)> done) {
    ++calls;
    done(calls == 1 ? SendOutcome{SendOutcome::Kind::transient, "HTTP 500", {}, {}}
                    : SendOutcome{SendOutcome::Kind::success, {}, {}, "ok"});
  });
  ASSERT_TRUE(outbox.enqueue(entry("b")));
  run_until([&] { return stored("b")->state == store::OutboxState::done; });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(stored("b")->attempts, 1);
}

TEST_F(LegacyOutboxTest, PermanentFailureTellsTheGatewayOnce) {
  LegacyOutbox outbox(io, "sms", store->outbox(), metrics, options);
  std::vector<std::string> failures;
  outbox.set_failure_handler([&](const store::OutboxEntry&, const std::string& reason) { failures.push_back(reason); });
  int calls = 0;
  outbox.set_sender([&](const store::OutboxEntry&, std::function<void(SendOutcome)> done) {
    ++calls;
    done({SendOutcome::Kind::permanent, "21211: invalid To number", {}, {}});
  });
  ASSERT_TRUE(outbox.enqueue(entry("c")));
  run_until([&] { return !failures.empty(); });
  io.run_for(20ms);
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], "21211: invalid To number");
  EXPECT_EQ(stored("c")->state, store::OutboxState::failed);
}

TEST_F(LegacyOutboxTest, TransientFailuresGiveUpAfterMaxAttempts) {
  LegacyOutbox outbox(io, "sms", store->outbox(), metrics, options);
  std::vector<std::string> failures;
  outbox.set_failure_handler([&](const store::OutboxEntry&, const std::string& reason) { failures.push_back(reason); });
  int calls = 0;
  outbox.set_sender([&](const store::OutboxEntry&, std::function<void(SendOutcome)> done) {
    ++calls;
    done({SendOutcome::Kind::transient, "timeout", {}, {}});
  });
  ASSERT_TRUE(outbox.enqueue(entry("d")));
  run_until([&] { return !failures.empty(); });
  EXPECT_EQ(calls, options.max_attempts);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("gave up after 3 attempts"), std::string::npos);
}

TEST_F(LegacyOutboxTest, EntriesLeftFromBeforeARestartAreSent) {
  {
    LegacyOutbox before(io, "sms", store->outbox(), metrics, options);
    ASSERT_TRUE(before.enqueue(entry("e")));  // no sender yet: the process "dies" here
  }
  LegacyOutbox after(io, "sms", store->outbox(), metrics, options);
  int calls = 0;
  after.set_sender([&](const store::OutboxEntry&, std::function<void(SendOutcome)> done) {
    ++calls;
    done({SendOutcome::Kind::success, {}, {}, {}});
  });
  run_until([&] { return stored("e")->state == store::OutboxState::done; });
  EXPECT_EQ(calls, 1);
}

TEST_F(LegacyOutboxTest, GroupCommittedOutcomesOnAWorkerStillSendOnce) {
  LegacyOutbox outbox(io, "sms", store->outbox(), metrics, options);
  outbox.enable_group_commit(
      [this](std::function<void()> work, std::function<void()> done) {
        std::thread([this, work = std::move(work), done = std::move(done)]() mutable {
          work();
          asio::post(io, std::move(done));
        }).detach();
      },
      [this](const std::function<Result<void>()>& work) { return store->batch(work); });
  std::map<std::string, int> calls;
  outbox.set_sender([&](const store::OutboxEntry& e, std::function<void(SendOutcome)> done) {
    ++calls[e.key];
    done({SendOutcome::Kind::success, {}, {}, {}});
  });
  int stored_count = 0;
  for (int i = 0; i < 20; ++i)
    outbox.enqueue_async(entry("g" + std::to_string(i)), [&](Result<store::EnqueueResult> r) {
      ASSERT_TRUE(r);
      ++stored_count;
    });
  run_until([&] { return *store->outbox().depth("sms", store::Direction::to_legacy) == 0 && stored_count == 20; });
  io.restart();
  io.run_for(20ms);
  EXPECT_EQ(calls.size(), 20u);
  for (const auto& [key, n] : calls) EXPECT_EQ(n, 1) << key;
}

}  // namespace
}  // namespace junction::core
