#include "util/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

namespace junction {
namespace {

TEST(WorkerPool, WorkRunsOffLoopAndDoneRunsOnLoop) {
  asio::io_context loop;
  WorkerPool pool(loop, 2);
  std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id work_thread, done_thread;
  int result = 0;
  pool.run([&] { work_thread = std::this_thread::get_id(); result = 42; },
           [&] { done_thread = std::this_thread::get_id(); });
  // The pending job keeps run() from returning until its `done` has run.
  loop.run();
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(done_thread, loop_thread);
  EXPECT_EQ(result, 42);
}

TEST(WorkerPool, ManyJobsAllComplete) {
  asio::io_context loop;
  WorkerPool pool(loop, 4);
  std::atomic<int> worked{0};
  int done = 0;  // only touched on the loop thread
  for (int i = 0; i < 1000; ++i) pool.run([&] { worked.fetch_add(1); }, [&] { ++done; });
  loop.run();
  EXPECT_EQ(worked.load(), 1000);
  EXPECT_EQ(done, 1000);
}

TEST(WorkerPool, QueuedCountsWaitingJobs) {
  asio::io_context loop;
  WorkerPool pool(loop, 1);
  std::promise<void> started, release;
  auto release_future = release.get_future();
  pool.run([&] {
    started.set_value();
    release_future.wait();
  });
  started.get_future().wait();
  pool.run([] {});
  pool.run([] {});
  EXPECT_EQ(pool.queued(), 2u);
  release.set_value();
  pool.stop();
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPool, StopFinishesPendingWorkFirst) {
  asio::io_context loop;
  std::atomic<int> worked{0};
  {
    WorkerPool pool(loop, 1);
    for (int i = 0; i < 50; ++i)
      pool.run([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        worked.fetch_add(1);
      });
    pool.stop();
    EXPECT_EQ(worked.load(), 50);
    pool.stop();  // idempotent
  }
  EXPECT_EQ(worked.load(), 50);
}

TEST(WorkerPool, DoneHandlersRunAfterStopIfTheLoopRuns) {
  asio::io_context loop;
  WorkerPool pool(loop, 2);
  int done = 0;
  for (int i = 0; i < 10; ++i) pool.run([] {}, [&] { ++done; });
  pool.stop();
  EXPECT_EQ(done, 0);
  loop.run();
  EXPECT_EQ(done, 10);
}

TEST(WorkerPool, RunAfterStopIsRefused) {
  asio::io_context loop;
  WorkerPool pool(loop, 1);
  pool.stop();
  bool ran = false;
  pool.run([&] { ran = true; }, [&] { ran = true; });
  loop.run();
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPool, ThrowingWorkStillCallsDone) {
  asio::io_context loop;
  WorkerPool pool(loop, 1);
  bool done = false;
  pool.run([] { throw std::runtime_error("boom"); }, [&] { done = true; });
  loop.run();
  EXPECT_TRUE(done);
}

TEST(WorkerPool, ZeroThreadsMeansOne) {
  asio::io_context loop;
  WorkerPool pool(loop, 0);
  bool done = false;
  pool.run([] {}, [&] { done = true; });
  loop.run();
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace junction
