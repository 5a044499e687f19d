// A logical::Storage over the barrier: keys are prefixed, values encrypted
// with the keyring's active key on the way down (AAD = full storage path) and
// decrypted on the way up. Writes go through the Applier. The keyring is
// borrowed: the caller guarantees it stays valid (the core holds its state
// lock while a request uses a view).
#ifndef MINIVAULT_CORE_BARRIER_VIEW_H_
#define MINIVAULT_CORE_BARRIER_VIEW_H_

#include <string>

#include "kit/barrier/keyring.h"
#include "minivault/core/applier.h"
#include "minivault/fsm/store.h"
#include "minivault/logical/logical.h"

namespace vk::minivault {

class BarrierView : public logical::Storage {
 public:
  BarrierView(fsm::Store* store, Applier* applier,
              const barrier::Keyring* keyring, std::string prefix)
      : store_(store),
        applier_(applier),
        keyring_(keyring),
        prefix_(std::move(prefix)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;

  // The encrypted operation, for callers that batch several writes into one
  // atomic command.
  Result<fsm::Op> PutOp(std::string_view key, std::string_view value) const;
  const std::string& prefix() const { return prefix_; }

 private:
  fsm::Store* store_;
  Applier* applier_;
  const barrier::Keyring* keyring_;
  std::string prefix_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_BARRIER_VIEW_H_
