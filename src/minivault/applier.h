// The single write path of minivault: every change to stored state is a
// fsm::Command handed to an Applier. On one node the LocalApplier numbers the
// command and applies it to the store at once; with replication a raft log
// takes its place (propose, wait for commit, apply on every node), so nothing
// above this interface changes.
#ifndef VAULTKEEP_MINIVAULT_APPLIER_H_
#define VAULTKEEP_MINIVAULT_APPLIER_H_

#include <mutex>

#include "base/status.h"
#include "fsm/command.h"
#include "fsm/store.h"

namespace vk::minivault {

class Applier {
 public:
  virtual ~Applier() = default;
  // Returns once the command is durable and visible to reads.
  virtual Status Apply(const fsm::Command& command) = 0;
  // The raft term new entries get (1 for a single node).
  virtual uint64_t term() const = 0;
};

// Single node: index = applied index + 1, term fixed.
class LocalApplier : public Applier {
 public:
  LocalApplier(fsm::Store* store, uint64_t term) : store_(store), term_(term) {}
  Status Apply(const fsm::Command& command) override {
    std::lock_guard lock(mu_);
    return store_->Apply(store_->applied_index() + 1, term_, command);
  }
  uint64_t term() const override { return term_; }

 private:
  fsm::Store* store_;
  uint64_t term_;
  std::mutex mu_;
};

}  // namespace vk::minivault

#endif  // VAULTKEEP_MINIVAULT_APPLIER_H_
