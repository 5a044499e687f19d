// The raft-cluster side of Core: joining a cluster with the unseal keys,
// the join challenge the active node hands out, and the reactions to
// leadership changes and replaced state, run on Core's event thread so the
// raft loop never waits for the state lock.
#include <chrono>
#include <thread>

#include "kit/crypto/aead.h"
#include "minivault/core/core.h"

namespace vk::minivault {
namespace {

constexpr int kLogInfo = 2;
constexpr int kLogWarn = 3;

}  // namespace

Status Core::CompleteJoin(const JoinInfo& join, const std::string& kek) {
  // Only the holder of the unseal keys can read the leader's challenge.
  if (join.challenge.size() < kGcmNonceSize + kGcmTagSize)
    return Corruption("malformed raft join challenge");
  auto secret =
      AesGcmOpen(AsBytes(kek), AsBytes(join.challenge.substr(0, kGcmNonceSize)),
                 AsBytes(join.challenge.substr(kGcmNonceSize)), {});
  if (!secret.ok()) return InvalidArgument("Unseal failed, invalid key");
  if (Status s = join.answer(secret.value()); !s.ok()) return s;
  {
    std::lock_guard lock(unseal_mu_);
    join_.reset();
  }
  Log(kLogInfo, "core: joined the raft cluster; waiting for its data");
  // The leader sends its state once the configuration change commits.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    auto stored = store_->Get(barrier::kStoredKeysPath);
    if (stored.ok() && stored.value()) return Status::Ok();
    if (std::chrono::steady_clock::now() > deadline)
      return Unavailable(
          "joined the raft cluster, but its data has not arrived within 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Core::SetJoin(JoinInfo join) {
  std::lock_guard lock(unseal_mu_);
  parts_.clear();
  unseal_nonce_.clear();
  join_ = std::move(join);
}

bool Core::joining() const {
  std::lock_guard lock(unseal_mu_);
  return join_.has_value();
}

Result<Core::JoinChallenge> Core::NewJoinChallenge() {
  std::shared_lock lock(state_mu_);
  if (sealed_.load()) return Unavailable("Vault is sealed");
  JoinChallenge c;
  c.secret = RandomBytes(32);
  std::string nonce = RandomBytes(kGcmNonceSize);
  auto sealed =
      AesGcmSeal(AsBytes(kek_), AsBytes(nonce), AsBytes(c.secret), {});
  if (!sealed.ok()) return sealed.status();
  c.challenge = nonce + sealed.value();
  auto config = ReadSealConfig();
  if (!config.ok()) return config.status();
  c.seal_config = config.value();
  return c;
}

void Core::OnActiveChange(bool active) {
  Post([this, active] {
    if (!active || sealed_.load()) return;
    std::unique_lock lock(state_mu_);
    if (sealed_.load() || !applier_->IsActive()) return;
    // The state changed while this node was a standby: reload it all and
    // take the lock as the new active node.
    if (Status s = LoadUnsealedState(root_key_); !s.ok()) {
      Log(kLogWarn, "core: becoming active failed, sealing: " + s.message());
      ClearKeys();
      return;
    }
    Log(kLogInfo, "core: this node is now the active node");
  });
}

void Core::OnStateReplaced() {
  Post([this] {
    if (sealed_.load()) return;
    std::unique_lock lock(state_mu_);
    if (sealed_.load()) return;
    // A restore replicated from the leader: another cluster's keyring does
    // not open with our root key, so seal, as Vault does.
    if (Status s = LoadUnsealedState(root_key_); !s.ok()) {
      Log(kLogWarn,
          "raft snapshot restore: failed to perform key upgrades, "
          "sealing: " +
              s.message());
      ClearKeys();
      return;
    }
    Log(kLogInfo, "raft: state replaced from the leader; keyring reloaded");
  });
}

void Core::Post(std::function<void()> fn) {
  {
    std::lock_guard l(events_mu_);
    if (events_stop_) return;
    events_.push_back(std::move(fn));
    if (!events_thread_.joinable()) {
      events_thread_ = std::thread([this] { RunEvents(); });
    }
  }
  events_cv_.notify_one();
}

void Core::RunEvents() {
  std::unique_lock l(events_mu_);
  while (true) {
    events_cv_.wait(l, [&] { return events_stop_ || !events_.empty(); });
    if (events_stop_) return;
    auto fn = std::move(events_.front());
    events_.pop_front();
    l.unlock();
    fn();
    l.lock();
  }
}

void Core::StopEvents() {
  {
    std::lock_guard l(events_mu_);
    events_stop_ = true;
  }
  events_cv_.notify_all();
  if (events_thread_.joinable()) events_thread_.join();
}

}  // namespace vk::minivault
