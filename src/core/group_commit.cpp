#include "core/group_commit.hpp"

namespace junction::core {

GroupCommit::GroupCommit(Offload offload, Transaction transaction) {
  configure(std::move(offload), std::move(transaction));
}

void GroupCommit::configure(Offload offload, Transaction transaction) {
  offload_ = std::move(offload);
  transaction_ = std::move(transaction);
}

void GroupCommit::submit(Write write, Done done) {
  if (!offload_ || !transaction_) {
    auto result = write();
    if (done) done(std::move(result));
    return;
  }
  waiting_.push_back(Pending{std::move(write), std::move(done), {}});
  if (!committing_) commit_waiting();
}

void GroupCommit::commit_waiting() {
  if (waiting_.empty()) return;
  committing_ = true;
  auto batch = std::make_shared<std::vector<Pending>>(std::move(waiting_));
  waiting_.clear();
  offload_(
      [batch, transaction = transaction_] {
        auto committed = transaction([&]() -> Result<void> {
          for (auto& pending : *batch) {
            pending.result = pending.write();
            if (!pending.result) return pending.result;
          }
          return {};
        });
        // A failed transaction rolled back the whole batch, not only the write that failed.
        if (!committed)
          for (auto& pending : *batch) pending.result = std::unexpected(committed.error());
      },
      [this, batch, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        committing_ = false;
        for (auto& pending : *batch)
          if (pending.done) pending.done(std::move(pending.result));
        commit_waiting();
      });
}

}  // namespace junction::core
