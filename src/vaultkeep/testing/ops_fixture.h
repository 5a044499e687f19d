// Shared fixture of the ops/ unit tests (the flows that drive a Vault
// cluster): an in-memory repository (repo_fixture.h) to back up into and
// restore from, a Vault client on a fake clock, and Shamir-looking unseal
// keys. Test-only.
#ifndef VAULTKEEP_TESTING_OPS_FIXTURE_H_
#define VAULTKEEP_TESTING_OPS_FIXTURE_H_

#include <memory>
#include <string>

#include "kit/testing/fake_clock.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/storage/storage.h"
#include "vaultkeep/vault/client.h"

namespace vk::testing {

// Hex unseal key number i (what Vault hands out: 33 bytes in hex).
std::string UnsealKey(int i);

class OpsFixture {
 public:
  OpsFixture();

  // Imports `archive` as a backup of cluster `cluster_id` (a Shamir seal,
  // 3 of 5) and opens it; `entry` is then its snapshot.
  Result<backup::VaultBackup> Backup(const std::string& archive,
                                     const std::string& cluster_id);

  // A client whose retries and polls run on `clock`.
  std::unique_ptr<vault::Client> NewClient(const std::string& token);

  FakeClock clock;
  std::unique_ptr<storage::Storage> mem = storage::NewMemStorage();
  std::unique_ptr<repo::Repository> repo;
  backup::SnapshotEntry entry;  // of the last Backup()
};

}  // namespace vk::testing

#endif  // VAULTKEEP_TESTING_OPS_FIXTURE_H_
