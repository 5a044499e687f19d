#include "vaultkeep/testing/ops_fixture.h"

#include "kit/base/check.h"
#include "kit/crypto/sha256.h"
#include "kit/testing/pseudo_random.h"
#include "vaultkeep/backup/import.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::testing {

std::string UnsealKey(int i) {
  return HexEncode(AsBytes(PseudoRandom(33, 7000 + i)));
}

OpsFixture::OpsFixture() {
  auto r = InitRepo(*mem);
  VK_CHECK(r.ok());
  repo = std::move(*r);
}

Result<backup::VaultBackup> OpsFixture::Backup(const std::string& archive,
                                               const std::string& cluster_id) {
  backup::ImportOptions io;
  io.time = "2026-11-30T10:00:00Z";
  io.hostname = "test";
  io.threads = 1;
  io.cluster.captured = true;
  io.cluster.cluster_id = cluster_id;
  io.cluster.seal_type = "shamir";
  io.cluster.shares = 5;
  io.cluster.threshold = 3;
  MemorySource src(archive);
  VK_ASSIGN_OR_RETURN(backup::ImportResult imported,
                      backup::ImportArchive(*repo, src, io));
  VK_ASSIGN_OR_RETURN(entry, backup::FindSnapshot(*repo, imported.snapshot_id));
  return backup::OpenVaultBackup(*repo, entry);
}

std::unique_ptr<vault::Client> OpsFixture::NewClient(const std::string& token) {
  vault::ClientOptions o;
  o.request_timeout_ms = 5000;
  o.retry = {.attempts = 2};
  o.clock = &clock;
  return std::make_unique<vault::Client>(o, token);
}

}  // namespace vk::testing
