#include "minivault/core/snapshot_io.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kit/crypto/aead.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/hash_list.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"
#include "kit/testing/test_dir.h"
#include "minivault/core/applier.h"

namespace vk::minivault {
namespace {

using Pairs = std::map<std::string, std::string>;

using vk::testing::MakeTempDir;

bool DirHas(const std::string& dir, const std::string& name) {
  bool found = false;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  while (dirent* e = ::readdir(d)) {
    if (name == e->d_name) found = true;
  }
  ::closedir(d);
  return found;
}

std::unique_ptr<fsm::Store> OpenStore(const std::string& dir) {
  auto s = fsm::Store::Open({.dir = dir, .map_size = size_t{1} << 30});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Status PutAll(Applier& applier, const Pairs& pairs) {
  fsm::Command cmd;
  for (const auto& [k, v] : pairs)
    cmd.ops.push_back({fsm::Op::Kind::kPut, k, v});
  return applier.Apply(cmd);
}

Pairs ParseState(std::string_view state) {
  Pairs out;
  snapshot::RecordScanner sc(
      state.size(), {.keep_values = true}, [&](const snapshot::StateRecord& r) {
        out.emplace(std::string(r.key), std::string(AsChars(r.value)));
        return Status::Ok();
      });
  EXPECT_TRUE(sc.Feed(AsBytes(state)).ok());
  EXPECT_TRUE(sc.Finish().ok());
  return out;
}

// Every pair in the store, read through a snapshot's state.bin.
Pairs StoreData(fsm::Store& store) {
  auto snap = store.OpenSnapshot();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return {};
  StringSink sink;
  EXPECT_TRUE(snap.value()->WriteState(sink).ok());
  return ParseState(sink.data());
}

std::string ArchiveOf(fsm::Store& store, std::string_view kek) {
  auto snap = store.OpenSnapshot();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return "";
  StringSink sink;
  Status s = WriteArchive(*snap.value(), kek, sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.data();
}

// Records what the reader streams past.
class Recorder : public snapshot::ArchiveVisitor {
 public:
  Status OnSmallEntry(const std::string& name, std::string_view data) override {
    small[name] = std::string(data);
    return Status::Ok();
  }
  Status OnStateData(ByteSpan data) override {
    state.append(AsChars(data));
    return Status::Ok();
  }
  Status OnRecord(const snapshot::StateRecord& r) override {
    records.emplace_back(std::string(r.key), std::string(AsChars(r.value)));
    return Status::Ok();
  }
  std::map<std::string, std::string> small;
  std::string state;
  std::vector<std::pair<std::string, std::string>> records;
};

class SnapshotIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    store_ = OpenStore(dir_);
    ASSERT_NE(store_, nullptr);
    applier_ = std::make_unique<LocalApplier>(store_.get(), 3);
    // Keys chosen so byte order differs from insertion order and from a
    // naive case-insensitive or signed-char order ("é" is C3 A9).
    data_ = {{"core/seal-config", "{\"type\":\"shamir\"}"},
             {"a", "1"},
             {"a/b", "2"},
             {"a0", "3"},
             {"B", "upper"},
             {"empty", ""},
             {"caf\xc3\xa9", "utf8"},
             {"logical/big", RandomBytes(200000)}};
    Pairs first(data_.begin(), std::next(data_.begin(), 4));
    Pairs rest(std::next(data_.begin(), 4), data_.end());
    ASSERT_TRUE(PutAll(*applier_, first).ok());
    ASSERT_TRUE(PutAll(*applier_, rest).ok());
    fsm::Configuration config;
    config.servers.push_back({0, "node-a", "127.0.0.1:8201"});
    config.index = 1;
    ASSERT_TRUE(store_->SetConfiguration(config).ok());
    kek_ = RandomBytes(32);
  }

  void TearDown() override {
    target_applier_.reset();
    target_.reset();
    applier_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
    if (!target_dir_.empty()) std::filesystem::remove_all(target_dir_);
  }

  // A second store holding other data, the restore target.
  void OpenTarget() {
    target_dir_ = MakeTempDir();
    target_ = OpenStore(target_dir_);
    ASSERT_NE(target_, nullptr);
    target_applier_ = std::make_unique<LocalApplier>(target_.get(), 1);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(
          PutAll(*target_applier_, {{"target/" + std::to_string(i), "v"}})
              .ok());
    }
    target_data_ = StoreData(*target_);
    target_index_ = target_->applied_index();
    ASSERT_EQ(target_index_, 5u);
  }

  void ExpectTargetUnchanged(const std::string& what) {
    EXPECT_EQ(StoreData(*target_), target_data_) << what;
    EXPECT_EQ(target_->applied_index(), target_index_) << what;
    EXPECT_FALSE(DirHas(target_dir_, "vault.db.restore")) << what;
  }

  Result<StagedRestore> Stage(std::string_view archive, std::string_view kek,
                              bool force) {
    MemorySource src(archive);
    return StageRestore(*target_, src, kek, force);
  }

  std::string dir_, target_dir_;
  std::unique_ptr<fsm::Store> store_, target_;
  std::unique_ptr<LocalApplier> applier_, target_applier_;
  Pairs data_, target_data_;
  uint64_t target_index_ = 0;
  std::string kek_;
};

TEST_F(SnapshotIoTest, ArchiveIsWhatVaultWrites) {
  std::string archive = ArchiveOf(*store_, kek_);
  ASSERT_GT(archive.size(), 10u);

  const uint8_t kGzipHeader[] = {0x1f, 0x8b, 0x08, 0x00, 0x00,
                                 0x00, 0x00, 0x00, 0x00, 0xff};
  EXPECT_EQ(archive.substr(0, 10),
            std::string(reinterpret_cast<const char*>(kGzipHeader), 10));

  Recorder rec;
  MemorySource src(archive);
  snapshot::ReadOptions opt;
  opt.require_sealed = true;
  opt.records.keep_values = true;
  auto info = snapshot::ReadArchive(src, opt, &rec);
  ASSERT_TRUE(info.ok()) << info.status().ToString();

  EXPECT_EQ(info->entry_order,
            (std::vector<std::string>{"meta.json", "state.bin", "SHA256SUMS",
                                      "SHA256SUMS.sealed"}));
  EXPECT_EQ(info->gzip_members, 1u);

  // meta.json
  const snapshot::SnapshotMeta& meta = info->meta;
  EXPECT_EQ(meta.version, 1);
  EXPECT_EQ(meta.id, "bolt-snapshot");
  EXPECT_EQ(meta.index, store_->applied_index());
  EXPECT_EQ(meta.index, 2u);
  EXPECT_EQ(meta.term, store_->applied_term());
  EXPECT_EQ(meta.term, 3u);
  EXPECT_FALSE(meta.peers.has_value());
  ASSERT_TRUE(meta.servers.has_value());
  EXPECT_EQ(*meta.servers, store_->configuration().servers);
  EXPECT_EQ(meta.configuration_index, 1u);
  EXPECT_EQ(meta.size, static_cast<int64_t>(rec.state.size()));
  EXPECT_EQ(info->state_size, rec.state.size());
  EXPECT_EQ(info->meta_json, snapshot::EncodeMeta(meta));
  ASSERT_FALSE(info->meta_json.empty());
  EXPECT_EQ(info->meta_json.back(), '\n');
  EXPECT_EQ(rec.small["meta.json"], info->meta_json);

  // SHA256SUMS lists the real digests.
  auto sums = snapshot::ParseHashList(info->sums);
  ASSERT_TRUE(sums.ok()) << sums.status().ToString();
  EXPECT_EQ(sums.value(), info->hashes);
  EXPECT_EQ(sums->at("state.bin"), Sha256::Of(AsBytes(rec.state)));
  EXPECT_EQ(sums->at("meta.json"), Sha256::Of(AsBytes(info->meta_json)));

  // SHA256SUMS.sealed: a wrapped BlobInfo that opens with the KEK.
  ASSERT_TRUE(info->sealed.has_value());
  auto blob = snapshot::ParseBlobInfo(*info->sealed);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_TRUE(blob->wrapped);
  EXPECT_TRUE(blob->iv.empty());
  EXPECT_TRUE(blob->hmac.empty());
  auto opened = snapshot::OpenWithKek(kek_, *info->sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto sealed_list = snapshot::ParseHashList(opened.value());
  ASSERT_TRUE(sealed_list.ok()) << sealed_list.status().ToString();
  EXPECT_EQ(sealed_list.value(), sums.value());
  EXPECT_FALSE(snapshot::OpenWithKek(RandomBytes(32), *info->sealed).ok());

  // state.bin: exactly the store's pairs, in byte order.
  std::vector<std::pair<std::string, std::string>> expected(data_.begin(),
                                                            data_.end());
  EXPECT_EQ(rec.records, expected);
  EXPECT_EQ(info->records, data_.size());
  EXPECT_EQ(rec.records.front().first, "B");
  EXPECT_EQ(rec.records.back().first, "logical/big");
  auto snap = store_->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  StringSink state;
  ASSERT_TRUE(snap.value()->WriteState(state).ok());
  EXPECT_EQ(rec.state, state.data());
}

TEST_F(SnapshotIoTest, StageAndCommitRestoresTheData) {
  OpenTarget();
  std::string archive = ArchiveOf(*store_, kek_);
  auto staged = Stage(archive, kek_, /*force=*/false);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->meta.index, store_->applied_index());
  EXPECT_EQ(staged->meta.term, 3u);
  // Staged, not committed: the live store is untouched.
  EXPECT_EQ(StoreData(*target_), target_data_);
  EXPECT_EQ(target_->applied_index(), target_index_);

  ASSERT_TRUE(
      target_->CommitRestore(std::move(staged->pending), 1, staged->meta.index)
          .ok());
  EXPECT_EQ(StoreData(*target_), data_);
  EXPECT_EQ(target_->applied_index(),
            std::max(target_index_, staged->meta.index) + 1);
  EXPECT_FALSE(DirHas(target_dir_, "vault.db.restore"));
  auto v = target_->Get("logical/big");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ(**v, data_["logical/big"]);
  EXPECT_FALSE(target_->Get("target/0")->has_value());
}

TEST_F(SnapshotIoTest, DifferentKekIsRefusedUnlessForced) {
  OpenTarget();
  std::string archive = ArchiveOf(*store_, kek_);
  std::string other_kek = RandomBytes(32);

  auto refused = Stage(archive, other_kek, /*force=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(), kSealedHashesMismatch);
  ExpectTargetUnchanged("different KEK");

  auto forced = Stage(archive, other_kek, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  ASSERT_TRUE(
      target_->CommitRestore(std::move(forced->pending), 1, forced->meta.index)
          .ok());
  EXPECT_EQ(StoreData(*target_), data_);
}

TEST_F(SnapshotIoTest, DefectiveArchivesLeaveTheStoreAlone) {
  OpenTarget();
  std::string archive = ArchiveOf(*store_, kek_);
  ASSERT_GT(archive.size(), 200000u);  // the random value does not compress

  std::vector<std::pair<std::string, std::string>> cases;
  cases.emplace_back("truncated to half",
                     archive.substr(0, archive.size() / 2));
  cases.emplace_back("truncated by one byte",
                     archive.substr(0, archive.size() - 1));
  cases.emplace_back("truncated inside the gzip header", archive.substr(0, 5));
  std::string flipped = archive;
  flipped[flipped.size() / 2] ^= 0x01;
  cases.emplace_back("one flipped byte in the middle", flipped);
  cases.emplace_back("garbage", RandomBytes(4096));
  cases.emplace_back("empty", "");
  cases.emplace_back("trailing bytes", archive + "x");

  for (bool force : {false, true}) {
    for (const auto& [what, bytes] : cases) {
      auto r = Stage(bytes, kek_, force);
      ASSERT_FALSE(r.ok()) << what;
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption)
          << what << ": " << r.status().ToString();
      ExpectTargetUnchanged(what + (force ? " (forced)" : ""));
    }
  }

  // Nothing is left pending: a good archive still stages.
  auto good = Stage(archive, kek_, false);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  good.value().pending.reset();
  ExpectTargetUnchanged("abandoned staged restore");
}

// Builds an archive of the store's state with SHA256SUMS.sealed omitted or
// replaced by `sealed`.
std::string ArchiveWithSealed(fsm::Store& store,
                              std::optional<std::string> sealed) {
  auto snap = store.OpenSnapshot();
  EXPECT_TRUE(snap.ok());
  StringSink out;
  auto w = snapshot::ArchiveWriter::Create(&out, {});
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE(
      w.value()->WriteMeta(snapshot::EncodeMeta(snap.value()->meta())).ok());
  StringSink state;
  EXPECT_TRUE(snap.value()->WriteState(state).ok());
  EXPECT_TRUE(w.value()->WriteState(AsBytes(state.data())).ok());
  EXPECT_TRUE(w.value()->EndState().ok());
  EXPECT_TRUE(w.value()->WriteSums().ok());
  if (sealed) {
    EXPECT_TRUE(w.value()->WriteSealed(*sealed).ok());
  }
  EXPECT_TRUE(w.value()->Finish().ok());
  return out.data();
}

TEST_F(SnapshotIoTest, ArchiveWithoutSealedFileNeedsForce) {
  OpenTarget();
  std::string archive = ArchiveWithSealed(*store_, std::nullopt);
  {
    MemorySource src(archive);
    snapshot::ReadOptions opt;
    opt.require_sealed = false;
    auto info = snapshot::ReadArchive(src, opt);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_FALSE(info->sealed.has_value());
  }

  auto refused = Stage(archive, kek_, /*force=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(), kSealedHashesMismatch);
  ExpectTargetUnchanged("no SHA256SUMS.sealed");

  auto forced = Stage(archive, kek_, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  ASSERT_TRUE(
      target_->CommitRestore(std::move(forced->pending), 1, forced->meta.index)
          .ok());
  EXPECT_EQ(StoreData(*target_), data_);
}

TEST_F(SnapshotIoTest, SealedHashesOfOtherDataAreRefused) {
  OpenTarget();
  // Sealed with the right KEK, but over a hash list that does not match:
  // not a key problem (Vault's "different unseal keys" text is for a file
  // that does not open), an integrity failure.
  std::string other_sums =
      snapshot::EncodeHashList({{"meta.json", Sha256::Of(AsBytes("x"))},
                                {"state.bin", Sha256::Of(AsBytes("y"))}});
  auto sealed = snapshot::SealWithKek(kek_, other_sums);
  ASSERT_TRUE(sealed.ok());
  std::string archive = ArchiveWithSealed(*store_, sealed.value());

  auto refused = Stage(archive, kek_, /*force=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption)
      << refused.status().ToString();
  ExpectTargetUnchanged("sealed hashes of other data");

  // A sealed file that is not a sealed hash list at all.
  std::string junk_archive = ArchiveWithSealed(*store_, RandomBytes(64));
  auto junk = Stage(junk_archive, kek_, /*force=*/false);
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(junk.status().message(), kSealedHashesMismatch);
  ExpectTargetUnchanged("junk sealed file");

  auto forced = Stage(archive, kek_, /*force=*/true);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
}

}  // namespace
}  // namespace vk::minivault
