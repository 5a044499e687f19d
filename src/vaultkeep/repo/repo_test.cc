#include <gtest/gtest.h>

#include "kit/crypto/aead.h"
#include "vaultkeep/repo/config.h"
#include "vaultkeep/repo/key_file.h"
#include "vaultkeep/repo/polynomial.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/testing/damaged_storage.h"

namespace vk::repo {
namespace {

constexpr crypto::ScryptParams kFast{.n = 1024, .r = 8, .p = 1};

TEST(PolynomialTest, KnownIrreducibleAndReducible) {
  // The polynomial restic's own tests use.
  EXPECT_TRUE(PolyIrreducible(0x3DA3358B4DC173ULL));
  EXPECT_EQ(PolyDegree(0x3DA3358B4DC173ULL), 53);
  EXPECT_TRUE(PolyIrreducible(0b111));   // x^2 + x + 1
  EXPECT_TRUE(PolyIrreducible(0b1011));  // x^3 + x + 1
  EXPECT_FALSE(PolyIrreducible(0b101));  // x^2 + 1 = (x + 1)^2
  EXPECT_FALSE(PolyIrreducible(0b110));  // x^2 + x = x(x + 1)
  // A product of two irreducibles is reducible: (x^2+x+1)(x^3+x+1).
  EXPECT_FALSE(PolyIrreducible(0b110001));
  uint64_t state = 7;
  auto next = [&] { return state = state * 6364136223846793005ULL + 1; };
  for (int i = 0; i < 5; ++i) {
    uint64_t p = RandomIrreducible53(next);
    EXPECT_EQ(PolyDegree(p), 53);
    EXPECT_TRUE(PolyIrreducible(p));
  }
}

TEST(ConfigTest, RoundTripAndValidation) {
  RepoConfig c{2, std::string(64, 'a'), 0x3DA3358B4DC173ULL};
  std::string json = EncodeConfig(c);
  EXPECT_EQ(json, "{\"version\":2,\"id\":\"" + std::string(64, 'a') +
                      "\",\"chunker_polynomial\":\"3da3358b4dc173\"}");
  auto back = ParseConfig(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->chunker_polynomial, c.chunker_polynomial);
  EXPECT_NE(
      ParseConfig(
          R"({"version":3,"id":"x","chunker_polynomial":"3da3358b4dc173"})")
          .status()
          .message()
          .find("unsupported repository version 3"),
      std::string::npos);
  EXPECT_NE(ParseConfig(R"({"version":2,"id":"x","chunker_polynomial":"5"})")
                .status()
                .message()
                .find("invalid chunker polynomial"),
            std::string::npos);
  EXPECT_FALSE(ParseConfig("nope").ok());
}

TEST(KeyFileTest, WrapUnwrapAndWrongPassword) {
  crypto::ResticKey master = crypto::ResticKey::Random();
  KeyFile id;
  id.created = "2026-11-28T00:00:00Z";
  id.username = "root";
  id.hostname = "h";
  auto kf = WrapMasterKey(master, "pw", kFast, id);
  ASSERT_TRUE(kf.ok());
  std::string json = EncodeKeyFile(*kf);
  EXPECT_EQ(json.find("{\"created\":\"2026-11-28T00:00:00Z\",\"username\":"
                      "\"root\",\"hostname\":\"h\",\"kdf\":\"scrypt\","
                      "\"N\":1024,\"r\":8,\"p\":1,\"salt\":\""),
            0u);
  auto parsed = ParseKeyFile(json);
  ASSERT_TRUE(parsed.ok());
  auto back = UnwrapMasterKey(*parsed, "pw");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->encrypt, master.encrypt);
  EXPECT_EQ(back->mac_r, master.mac_r);
  EXPECT_EQ(UnwrapMasterKey(*parsed, "wrong").status().code(),
            StatusCode::kPermissionDenied);
}

TEST(RepositoryTest, InitOpenUnpackedAndErrors) {
  auto mem = storage::NewMemStorage();
  storage::Storage* raw = mem.get();
  auto repo = Repository::Init(std::move(mem), "secret", {.scrypt = kFast});
  ASSERT_TRUE(repo.ok()) << repo.status().ToString();
  EXPECT_EQ((*repo)->config().version, 2);
  EXPECT_EQ((*repo)->config().id.size(), 64u);
  auto id = (*repo)->SaveUnpacked(kSnapshotsDir, R"({"time":"x"})");
  ASSERT_TRUE(id.ok());
  auto json = (*repo)->LoadUnpacked(kSnapshotsDir, *id);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(*json, R"({"time":"x"})");
  // The stored object is not plaintext.
  auto stored = storage::GetAll(*raw, std::string(kSnapshotsDir) + "/" + *id);
  EXPECT_EQ(stored->find("time"), std::string::npos);
}

TEST(RepositoryTest, ReopenWrongPasswordDoubleInitAndDamage) {
  auto backing = storage::NewMemStorage();
  auto shared = [&] { return testing::Borrow(*backing); };
  ASSERT_TRUE(Repository::Init(shared(), "pw", {.scrypt = kFast}).ok());
  auto again = Repository::Init(shared(), "pw", {.scrypt = kFast});
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  int keys = 0;
  ASSERT_TRUE(backing
                  ->List("keys/",
                         [&](const storage::ObjectInfo&) {
                           ++keys;
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_EQ(keys, 1);  // the losing init removed its key file

  auto ok = Repository::Open(shared(), "pw");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto wrong = Repository::Open(shared(), "nope");
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(wrong.status().message().find("wrong password or no key found"),
            std::string::npos);

  auto id = (*ok)->SaveUnpacked(kIndexDir, "{\"packs\":[]}");
  ASSERT_TRUE(id.ok());
  std::string key = std::string(kIndexDir) + "/" + *id;
  std::string bytes = *storage::GetAll(*backing, key);
  bytes[20] ^= 1;
  ASSERT_TRUE(backing->Put(key, AsBytes(bytes), {.overwrite = true}).ok());
  EXPECT_NE((*ok)
                ->LoadUnpacked(kIndexDir, *id)
                .status()
                .message()
                .find("does not hash to its name"),
            std::string::npos);

  auto empty = storage::NewMemStorage();
  auto none = Repository::Open(testing::Borrow(*empty), "pw");
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vk::repo
