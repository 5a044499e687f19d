// Shared fixture of the ops/ unit tests: an in-memory repository holding
// one backup of a small Vault snapshot archive, a Vault client on a fake
// clock, and Shamir-looking unseal keys. Test-only.
#ifndef VAULTKEEP_TESTING_OPS_FIXTURE_H_
#define VAULTKEEP_TESTING_OPS_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "kit/testing/fake_clock.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/vault/client.h"

namespace vk::ops::testing {

// A gzipped Vault archive (meta.json, state.bin with `records` records,
// SHA256SUMS and SHA256SUMS.sealed) at raft index `index`.
std::string SmallArchive(uint64_t index, int records = 50);

// What identifies an archive's contents whatever its gzip framing:
// meta.json, SHA256SUMS (which hashes state.bin) and SHA256SUMS.sealed,
// verified by ReadArchive; an error text if it does not verify.
std::string Contents(const std::string& archive);

// Hex unseal key number i (what Vault hands out: 33 bytes in hex).
std::string UnsealKey(int i);

class OpsFixture {
 public:
  OpsFixture();

  // Imports `archive` as a backup of cluster `cluster_id` and opens it.
  Result<backup::VaultBackup> Backup(const std::string& archive,
                                     const std::string& cluster_id);

  // A client whose retries and polls run on `clock`.
  std::unique_ptr<vault::Client> NewClient(const std::string& token);

  vk::testing::FakeClock clock;
  std::unique_ptr<repo::Repository> repo;
  backup::SnapshotEntry entry;  // of the last Backup()
};

}  // namespace vk::ops::testing

#endif  // VAULTKEEP_TESTING_OPS_FIXTURE_H_
