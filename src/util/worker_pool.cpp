#include "util/worker_pool.hpp"

#include "util/log.hpp"

#include <algorithm>
#include <exception>

namespace junction {

WorkerPool::WorkerPool(asio::io_context& loop, unsigned threads) : loop_(loop) {
  threads = std::max(threads, 1u);
  threads_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { worker_main(); });
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::run(std::function<void()> work, std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(Job{std::move(work), std::move(done), asio::make_work_guard(loop_)});
      wake_.notify_one();
      return;
    }
  }
  log::warn("workers", "job submitted after stop; dropped");
}

void WorkerPool::stop() {
  std::vector<std::thread> joining;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    joining.swap(threads_);
  }
  wake_.notify_all();
  for (auto& t : joining) t.join();
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void WorkerPool::worker_main() {
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    // Drain before exiting: a queued job may be a write someone is counting on.
    if (jobs_.empty()) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();

    try {
      if (job.work) job.work();
    } catch (const std::exception& e) {
      log::error("workers", "job failed: {}", e.what());
    } catch (...) {
      log::error("workers", "job failed with a non-standard exception");
    }
    if (job.done) asio::post(loop_, std::move(job.done));
    // Released only after `done` is queued on the loop, so the loop never sees a moment
    // with no outstanding work in between.
    job.guard.reset();
  }
}

}  // namespace junction
