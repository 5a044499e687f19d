// The single write path of minivault: every change to stored state is a
// fsm::Command handed to an Applier. The server uses RaftHost
// (raft_host.h): propose, wait for commit, apply on every node. Unit tests
// of the layers above use LocalApplier, which applies at once.
#ifndef MINIVAULT_CORE_APPLIER_H_
#define MINIVAULT_CORE_APPLIER_H_

#include <memory>
#include <mutex>
#include <string>

#include "kit/base/status.h"
#include "minivault/fsm/command.h"
#include "minivault/fsm/store.h"

namespace vk::minivault {

class Applier {
 public:
  virtual ~Applier() = default;
  // Returns once the command is durable and visible to reads on this node.
  // FailedPrecondition on a node that is not the active one.
  virtual Status Apply(const fsm::Command& command) = 0;
  // The raft term new entries get.
  virtual uint64_t term() const = 0;
  // sys/init: makes this node the only server of a new cluster unless it
  // already belongs to one, and waits until it can accept writes.
  virtual Status Bootstrap(const std::string& node_id,
                           const std::string& cluster_addr) = 0;
  // The active node: the one that serves requests and writes (the raft
  // leader).
  virtual bool IsActive() const = 0;
  // Replaces the whole state with a verified, finished restore staged on
  // this node (fsm::Store::BeginRestore), on every node of the cluster.
  virtual Status Restore(std::unique_ptr<fsm::Store::PendingRestore> pending,
                         uint64_t snapshot_index) = 0;
};

// One node without raft: index = applied index + 1, term fixed.
class LocalApplier : public Applier {
 public:
  LocalApplier(fsm::Store* store, uint64_t term) : store_(store), term_(term) {}
  Status Apply(const fsm::Command& command) override {
    std::lock_guard lock(mu_);
    return store_->Apply(store_->applied_index() + 1, term_, command);
  }
  uint64_t term() const override { return term_; }
  Status Bootstrap(const std::string& node_id,
                   const std::string& cluster_addr) override {
    if (!store_->configuration().servers.empty()) return Status::Ok();
    fsm::Configuration config;
    config.servers.push_back({0, node_id, cluster_addr});
    config.index = store_->applied_index();
    return store_->SetConfiguration(config);
  }
  bool IsActive() const override { return true; }
  Status Restore(std::unique_ptr<fsm::Store::PendingRestore> pending,
                 uint64_t snapshot_index) override {
    std::lock_guard lock(mu_);
    return store_->CommitRestore(std::move(pending), term_, snapshot_index);
  }

 private:
  fsm::Store* store_;
  uint64_t term_;
  std::mutex mu_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_APPLIER_H_
