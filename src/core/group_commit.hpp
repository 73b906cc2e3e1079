#pragma once
// Group commit: store writes submitted on the loop run on a worker, together with every other
// write waiting at that moment, in one transaction. One batch is in flight at a time and the
// next gathers what arrived meanwhile, so a burst costs one commit and an idle gateway no
// timer. Each submitter learns its own outcome on the loop. Without an offload/transaction
// pair (unit tests) the writes run at once, synchronously.
#include "util/result.hpp"

#include <functional>
#include <memory>
#include <vector>

namespace junction::core {

class GroupCommit {
 public:
  using Offload = std::function<void(std::function<void()> work, std::function<void()> done)>;
  using Transaction = std::function<Result<void>(const std::function<Result<void>()>&)>;
  using Write = std::function<Result<void>()>;
  using Done = std::function<void(Result<void>)>;

  GroupCommit() = default;
  GroupCommit(Offload offload, Transaction transaction);
  ~GroupCommit() { *alive_ = false; }
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void configure(Offload offload, Transaction transaction);
  // `write` runs on a worker (it must only touch the store); `done` runs on the loop after the
  // transaction holding it committed (or failed: then every write of the batch failed).
  void submit(Write write, Done done);
  std::size_t waiting() const { return waiting_.size(); }

 private:
  struct Pending {
    Write write;
    Done done;
    Result<void> result;
  };
  void commit_waiting();

  Offload offload_;
  Transaction transaction_;
  std::vector<Pending> waiting_;
  bool committing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace junction::core
