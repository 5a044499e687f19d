#include "vaultkeep/agent/failure.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "vaultkeep/ops/live_backup.h"
#include "vaultkeep/storage/failure_tag.h"
#include "vaultkeep/vault/client.h"
#include "vaultkeep/vault/leader.h"

namespace vk::agent {
namespace {

TEST(Failure, NamesAreTheMetricLabels) {
  std::set<std::string> names;
  for (Reason r : kAllReasons) names.insert(std::string(ReasonName(r)));
  EXPECT_EQ(names, (std::set<std::string>{"unreachable", "auth", "sealed",
                                          "leader_changed", "corrupt",
                                          "storage", "keys", "other"}));
}

TEST(Failure, StageDecidesForTheRepositoryAndTheKeyCheck) {
  EXPECT_EQ(Classify(Unavailable("x"), Stage::kRepository), Reason::kStorage);
  EXPECT_EQ(Classify(PermissionDenied("wrong password"), Stage::kRepository),
            Reason::kStorage);
  EXPECT_EQ(Classify(Corruption("x"), Stage::kKeyCheck), Reason::kKeys);
}

TEST(Failure, DetailsDecideDuringTheBackup) {
  Status storage = Unavailable("503").WithDetail(
      std::make_shared<storage::Failure>("s3:host/bucket", nullptr));
  EXPECT_EQ(Classify(storage.WithContext("backup"), Stage::kBackup),
            Reason::kStorage);
  Status keys = NotFound("unseal-key-2")
                    .WithDetail(std::make_shared<ops::KeyEscrowFailure>());
  EXPECT_EQ(Classify(keys, Stage::kBackup), Reason::kKeys);
  Status sealed = Unavailable("no active Vault node found")
                      .WithDetail(std::make_shared<vault::NoActiveNode>(
                          /*answered=*/true, /*all_sealed=*/true));
  EXPECT_EQ(Classify(sealed, Stage::kBackup), Reason::kSealed);
  Status down = Unavailable("no Vault address answered")
                    .WithDetail(std::make_shared<vault::NoActiveNode>(
                        /*answered=*/false, /*all_sealed=*/false));
  EXPECT_EQ(Classify(down, Stage::kBackup), Reason::kUnreachable);
  Status standby = FailedPrecondition("307").WithDetail(
      std::make_shared<vault::StandbyRedirect>("http://b"));
  EXPECT_EQ(Classify(standby, Stage::kBackup), Reason::kLeaderChanged);
}

TEST(Failure, CodesDecideTheRest) {
  EXPECT_EQ(Classify(PermissionDenied("403"), Stage::kBackup), Reason::kAuth);
  EXPECT_EQ(Classify(PermissionDenied("403"), Stage::kVaultSetup),
            Reason::kAuth);
  EXPECT_EQ(Classify(Corruption("bad"), Stage::kBackup), Reason::kCorrupt);
  EXPECT_EQ(Classify(Aborted("leader changed"), Stage::kBackup),
            Reason::kLeaderChanged);
  EXPECT_EQ(Classify(Unavailable("reset"), Stage::kBackup),
            Reason::kUnreachable);
  EXPECT_EQ(Classify(InvalidArgument("no token"), Stage::kVaultSetup),
            Reason::kOther);
}

}  // namespace
}  // namespace vk::agent
