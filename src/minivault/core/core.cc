#include "minivault/core/core.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "kit/barrier/barrier.h"
#include "kit/barrier/stored_keys.h"
#include "kit/base/time.h"
#include "kit/crypto/aead.h"
#include "kit/shamir/shamir.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {
namespace {

constexpr std::string_view kClusterInfoPath = "core/cluster/local/info";
constexpr std::string_view kAuthTablePath = "core/auth";
constexpr std::string_view kLockPath = "core/lock";
constexpr int kLogInfo = 2;
constexpr int kLogWarn = 3;

fsm::Op PutOp(std::string key, std::string value) {
  return fsm::Op{fsm::Op::Kind::kPut, std::move(key), std::move(value)};
}

}  // namespace

nlohmann::json SealStatus::ToJson() const {
  nlohmann::json j = {{"type", "shamir"},
                      {"initialized", initialized},
                      {"sealed", sealed},
                      {"t", t},
                      {"n", n},
                      {"progress", progress},
                      {"nonce", nonce},
                      {"version", kVersion},
                      {"build_date", "2026-11-28T00:00:00Z"},
                      {"migration", false},
                      {"recovery_seal", false},
                      {"storage_type", "raft"}};
  if (!sealed) {
    j["cluster_name"] = cluster_name;
    j["cluster_id"] = cluster_id;
  }
  return j;
}

Core::Core(fsm::Store* store, Applier* applier, CoreOptions options)
    : store_(store), applier_(applier), options_(std::move(options)) {}

Core::~Core() {
  WaitForRestore();
  StopEvents();
}

void Core::Log(int level, const std::string& message) const {
  if (options_.log) options_.log(level, message);
}

Result<bool> Core::Initialized() const {
  auto v = store_->Get(barrier::kSealConfigPath);
  if (!v.ok()) return v.status();
  return v.value().has_value();
}

Result<barrier::SealConfig> Core::ReadSealConfig() const {
  auto v = store_->Get(barrier::kSealConfigPath);
  if (!v.ok()) return v.status();
  if (!v.value()) return FailedPrecondition("Vault is not initialized");
  return barrier::DecodeSealConfig(*v.value());
}

Result<Core::InitResult> Core::Init(int shares, int threshold) {
  std::unique_lock lock(state_mu_);
  auto init = Initialized();
  if (!init.ok()) return init.status();
  if (init.value()) return InvalidArgument("Vault is already initialized");
  {
    std::lock_guard l(unseal_mu_);
    if (join_) return InvalidArgument("this node is joining a raft cluster");
  }
  barrier::SealConfig config;
  config.secret_shares = shares;
  config.secret_threshold = threshold;
  if (Status s = barrier::ValidateSealConfig(config); !s.ok()) return s;

  // The KEK (what the shares rebuild) and the root key are independent
  // random keys, as in Vault.
  std::string kek = RandomBytes(32);
  barrier::Keyring keyring = barrier::Keyring::Generate();
  InitResult result;
  if (shares == 1) {
    result.keys.push_back(kek);
  } else {
    auto split = shamir::Split(kek, shares, threshold);
    if (!split.ok()) return split.status();
    result.keys = std::move(split).value();
  }

  fsm::Command cmd;
  cmd.ops.push_back(PutOp(std::string(barrier::kSealConfigPath),
                          barrier::EncodeSealConfig(config)));
  auto stored = barrier::SealStoredKeys(kek, keyring.root_key());
  if (!stored.ok()) return stored.status();
  cmd.ops.push_back(
      PutOp(std::string(barrier::kStoredKeysPath), stored.value()));
  auto sealed_ring = barrier::SealKeyring(keyring);
  if (!sealed_ring.ok()) return sealed_ring.status();
  cmd.ops.push_back(
      PutOp(std::string(barrier::kKeyringPath), sealed_ring.value()));

  BarrierView root(store_, applier_, &keyring, "");
  auto add = [&](std::string_view key, std::string_view value) -> Status {
    auto op = root.PutOp(key, value);
    if (!op.ok()) return op.status();
    cmd.ops.push_back(std::move(op).value());
    return Status::Ok();
  };
  std::string uuid = NewUuid();
  nlohmann::json info = {{"name", "vault-cluster-" + uuid.substr(0, 8)},
                         {"id", NewUuid()}};
  nlohmann::json auth_table = {
      {"type", "auth"},
      {"entries",
       {{{"table", "auth"},
         {"path", "token/"},
         {"type", "token"},
         {"description", "token based credentials"},
         {"uuid", NewUuid()},
         {"accessor", "auth_token_" + NewUuid().substr(0, 8)}}}}};
  std::string salt = TokenStore::NewSalt();
  TokenEntry root_token;
  root_token.id = NewTokenId();
  root_token.accessor = NewAccessor();
  root_token.policies = {"root"};
  root_token.path = "auth/token/root";
  root_token.display_name = "root";
  root_token.creation_time = UnixNow();
  root_token.orphan = true;
  BarrierView token_view(store_, applier_, &keyring, "sys/token/");
  TokenStore token_store(&token_view);
  auto token_entries = token_store.EntriesToStore(root_token, salt);
  if (!token_entries.ok()) return token_entries.status();
  for (Status s :
       {add(barrier::kShamirKekPath, kek), add(kClusterInfoPath, info.dump()),
        add(kMountTablePath, MountTable().Encode()),
        add(kAuthTablePath, auth_table.dump()),
        add("sys/policy/default",
            PolicyStore::EncodeEntry(acl::DefaultPolicy())),
        add("sys/token/salt", salt)}) {
    if (!s.ok()) return s;
  }
  for (const auto& [k, v] : token_entries.value()) {
    if (Status s = add("sys/token/" + k, v); !s.ok()) return s;
  }
  // Init bootstraps a one-server raft cluster (unless this node already
  // belongs to one) and writes through it.
  if (Status s = applier_->Bootstrap(options_.node_id, options_.cluster_addr);
      !s.ok()) {
    return s;
  }
  if (Status s = applier_->Apply(cmd); !s.ok()) return s;
  result.root_token = root_token.id;
  Log(kLogInfo,
      "core: security barrier initialized: shares=" + std::to_string(shares) +
          " threshold=" + std::to_string(threshold));
  return result;
}

SealStatus Core::GetSealStatus() const {
  SealStatus st;
  st.sealed = sealed_.load();
  auto config = ReadSealConfig();
  if (!config.ok()) {
    // A node that joined a cluster reports that cluster's seal until its
    // data arrives.
    std::lock_guard lock(unseal_mu_);
    if (join_) config = join_->seal_config;
  }
  st.initialized = config.ok();
  if (config.ok()) {
    st.t = config.value().secret_threshold;
    st.n = config.value().secret_shares;
  }
  {
    std::lock_guard lock(unseal_mu_);
    st.progress = static_cast<int>(parts_.size());
    st.nonce = unseal_nonce_;
  }
  if (!st.sealed) {
    std::shared_lock lock(state_mu_);
    st.cluster_name = cluster_.name;
    st.cluster_id = cluster_.id;
  }
  return st;
}

Status Core::ResetUnseal() {
  if (!sealed_.load()) return InvalidArgument("vault is unsealed");
  std::lock_guard lock(unseal_mu_);
  parts_.clear();
  unseal_nonce_.clear();
  return Status::Ok();
}

Result<SealStatus> Core::Unseal(std::string_view share) {
  auto config = ReadSealConfig();
  std::optional<JoinInfo> join;
  if (!config.ok()) {
    if (config.status().code() != StatusCode::kFailedPrecondition)
      return config.status();
    std::lock_guard lock(unseal_mu_);
    if (!join_) return InvalidArgument("Vault is not initialized");
    join = join_;
    config = join_->seal_config;
  }
  if (share.size() < 16 || share.size() > 33)
    return InvalidArgument(
        "'key' must be a valid hex or base64 string of 16 to 33 bytes");
  if (!sealed_.load()) return GetSealStatus();

  std::string kek;
  {
    std::unique_lock lock(unseal_mu_);
    // Duplicate submissions are ignored: progress does not advance.
    if (std::find(parts_.begin(), parts_.end(), share) == parts_.end()) {
      if (parts_.empty()) unseal_nonce_ = NewUuid();
      parts_.emplace_back(share);
    }
    if (static_cast<int>(parts_.size()) < config.value().secret_threshold) {
      lock.unlock();
      return GetSealStatus();
    }
    std::vector<std::string> parts;
    parts.swap(parts_);
    unseal_nonce_.clear();
    if (config.value().secret_threshold == 1) {
      kek = parts.front();
    } else {
      auto combined = shamir::Combine(parts);
      for (auto& p : parts) OPENSSL_cleanse(p.data(), p.size());
      if (!combined.ok()) return InvalidArgument("Unseal failed, invalid key");
      kek = std::move(combined).value();
    }
  }
  if (kek.size() != 32) return InvalidArgument("Unseal failed, invalid key");
  if (join) {
    if (Status s = CompleteJoin(*join, kek); !s.ok()) return s;
  }

  std::unique_lock lock(state_mu_);
  if (!sealed_.load()) return GetSealStatus();
  auto stored = store_->Get(barrier::kStoredKeysPath);
  if (!stored.ok()) return stored.status();
  if (!stored.value()) return Corruption("stored barrier keys are missing");
  auto root_key = barrier::OpenStoredKeys(kek, *stored.value());
  if (!root_key.ok()) return root_key.status();
  kek_ = std::move(kek);
  if (Status s = LoadUnsealedState(root_key.value()); !s.ok()) {
    ClearKeys();
    return s;
  }
  lock.unlock();
  return GetSealStatus();
}

Status Core::LoadUnsealedState(const std::string& root_key) {
  auto stored_ring = store_->Get(barrier::kKeyringPath);
  if (!stored_ring.ok()) return stored_ring.status();
  if (!stored_ring.value()) return Corruption("the barrier keyring is missing");
  auto keyring = barrier::OpenKeyring(root_key, *stored_ring.value());
  if (!keyring.ok()) return keyring.status();
  keyring_ = std::make_unique<barrier::Keyring>(std::move(keyring).value());
  root_key_ = root_key;
  BarrierView root(store_, applier_, keyring_.get(), "");
  auto info = root.Get(kClusterInfoPath);
  if (!info.ok()) return info.status();
  if (info.value()) {
    nlohmann::json j = logical::ParseJsonOrDiscarded(
        *info.value(), logical::kStoredJsonLimits);
    if (j.is_object()) {
      cluster_.name = j.value("name", "");
      cluster_.id = j.value("id", "");
    }
  }
  auto table = root.Get(kMountTablePath);
  if (!table.ok()) return table.status();
  MountTable mounts;
  if (table.value()) {
    auto decoded = MountTable::Decode(*table.value());
    if (!decoded.ok()) return decoded.status();
    mounts = std::move(decoded).value();
  }
  {
    std::lock_guard lock(mounts_mu_);
    mounts_ = std::move(mounts);
  }
  token_view_ = std::make_unique<BarrierView>(store_, applier_, keyring_.get(),
                                              "sys/token/");
  policy_view_ = std::make_unique<BarrierView>(store_, applier_, keyring_.get(),
                                               "sys/policy/");
  tokens_ = std::make_unique<TokenStore>(token_view_.get());
  policies_ = std::make_unique<PolicyStore>(policy_view_.get());
  // Becoming active writes the HA lock holder, as Vault's raft lock does;
  // it also means every unseal applies something new to snapshot. A
  // standby writes nothing; it does this when it becomes active.
  if (applier_->IsActive()) {
    if (Status s = applier_->Apply(
            fsm::Command{{PutOp(std::string(kLockPath), NewUuid())}});
        !s.ok()) {
      return s;
    }
  }
  active_since_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count());
  sealed_.store(false);
  Log(kLogInfo, "core: vault is unsealed");
  return Status::Ok();
}

void Core::ClearKeys() {
  sealed_.store(true);
  OPENSSL_cleanse(kek_.data(), kek_.size());
  OPENSSL_cleanse(root_key_.data(), root_key_.size());
  kek_.clear();
  root_key_.clear();
  tokens_.reset();
  policies_.reset();
  token_view_.reset();
  policy_view_.reset();
  keyring_.reset();
  cluster_ = {};
  active_since_.store(0);
}

Status Core::Seal() {
  std::unique_lock lock(state_mu_);
  if (sealed_.load()) return Status::Ok();
  ClearKeys();
  Log(kLogInfo, "core: vault is sealed");
  return Status::Ok();
}

std::chrono::system_clock::time_point Core::active_time() const {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(active_since_.load())));
}

Result<std::optional<TokenEntry>> Core::Access::LookupToken(
    std::string_view token) {
  if (sealed()) return Unavailable("Vault is sealed");
  return core_->tokens_->Lookup(token);
}

Result<acl::Acl> Core::Access::AclFor(const TokenEntry& token) {
  return core_->policies_->AclFor(token.policies);
}

MountTable Core::Access::mounts() const {
  std::lock_guard lock(core_->mounts_mu_);
  return core_->mounts_;
}

std::unique_ptr<BarrierView> Core::Access::View(std::string prefix) {
  return std::make_unique<BarrierView>(
      core_->store_, core_->applier_, core_->keyring_.get(), std::move(prefix));
}

Status Core::Access::EnableMount(MountEntry entry) {
  std::lock_guard lock(core_->mounts_mu_);
  MountTable next = core_->mounts_;
  entry.uuid = NewUuid();
  entry.accessor = entry.type + "_" + NewUuid().substr(0, 8);
  if (Status s = next.Add(std::move(entry)); !s.ok()) return s;
  BarrierView root(core_->store_, core_->applier_, core_->keyring_.get(), "");
  if (Status s = root.Put(kMountTablePath, next.Encode()); !s.ok()) return s;
  core_->mounts_ = std::move(next);
  return Status::Ok();
}

Status Core::Access::DisableMount(std::string_view path) {
  std::lock_guard lock(core_->mounts_mu_);
  MountTable next = core_->mounts_;
  const MountEntry* entry = next.Find(path);
  if (!entry) return Status::Ok();  // Vault: disabling nothing succeeds
  std::string prefix = entry->storage_prefix();
  next.Remove(path);
  BarrierView root(core_->store_, core_->applier_, core_->keyring_.get(), "");
  auto table_op = root.PutOp(kMountTablePath, next.Encode());
  if (!table_op.ok()) return table_op.status();
  // One command: the table and the mount's data go together.
  fsm::Command cmd{{std::move(table_op).value(),
                    fsm::Op{fsm::Op::Kind::kDeletePrefix, prefix, {}}}};
  if (Status s = core_->applier_->Apply(cmd); !s.ok()) return s;
  core_->mounts_ = std::move(next);
  return Status::Ok();
}

Result<std::unique_ptr<fsm::Store::Snapshot>> Core::Access::OpenSnapshot() {
  if (sealed()) return Unavailable("raft storage is sealed");
  return core_->store_->OpenSnapshot();
}

void Core::WaitForRestore() {
  std::lock_guard lock(restore_mu_);
  if (restore_thread_.joinable()) restore_thread_.join();
}

void Core::CommitRestoreAsync(StagedRestore staged) {
  std::lock_guard lock(restore_mu_);
  if (restore_thread_.joinable()) restore_thread_.join();
  auto job = std::make_shared<StagedRestore>(std::move(staged));
  restore_thread_ = std::thread([this, job] {
    std::unique_lock lock(state_mu_);
    Status s = applier_->Restore(std::move(job->pending), job->meta.index);
    if (!s.ok()) {
      Log(kLogWarn, "raft snapshot restore: failed to restore snapshot: " +
                        s.message() + "; sealing");
      ClearKeys();
      return;
    }
    if (sealed_.load()) {
      Log(kLogInfo, "raft snapshot restore: restored while sealed");
      return;
    }
    // The restore callback: reload the keyring with the root key in memory.
    // Another cluster's keyring does not open: seal, and the operator
    // unseals with that cluster's keys (reference §4).
    // The KEK stays the one that unsealed this node (the restored data may
    // predate a rekey of this cluster).
    Status reload = LoadUnsealedState(root_key_);
    if (!reload.ok()) {
      Log(kLogWarn,
          "raft snapshot restore: failed to perform key upgrades, sealing: " +
              reload.message());
      ClearKeys();
      return;
    }
    Log(kLogInfo, "raft snapshot restore: snapshot restored");
  });
}

}  // namespace vk::minivault
