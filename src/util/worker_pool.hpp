#pragma once
// A few threads for work that may block (SQLite writes under contention, MIME parsing of a
// large mail) so the event loop never waits on it. `work` runs on a worker thread; `done`
// is then posted to the loop and runs there. Jobs start in submission order; with more than
// one thread they may finish in any order.
//
// Thread-safety: run(), queued() and stop() may be called from any thread. `work` must not
// touch loop-owned state; hand results to `done` by capture.
#include "util/asio.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace junction {

class WorkerPool {
 public:
  // Starts `threads` workers (at least one).
  WorkerPool(asio::io_context& loop, unsigned threads);
  ~WorkerPool();  // stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `work`. Until `done` has been posted, the job counts as outstanding work of the
  // loop, so loop.run() does not return while a result is still on its way. If `work`
  // throws, the exception is logged and `done` still runs. After stop() the job is refused:
  // neither function runs and a warning is logged.
  void run(std::function<void()> work, std::function<void()> done = {});

  // Waits for every queued job to finish, then joins the threads. Idempotent. Must not be
  // called from inside `work`.
  void stop();

  // Jobs waiting for a thread (not counting those running).
  std::size_t queued() const;

 private:
  struct Job {
    std::function<void()> work, done;
    asio::executor_work_guard<asio::io_context::executor_type> guard;
  };
  void worker_main();

  asio::io_context& loop_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace junction
