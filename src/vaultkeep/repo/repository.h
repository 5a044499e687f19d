// A restic v2 repository on a Storage: creation (`Init`), unlocking with a
// password (`Open`), and the encrypted "unpacked" files (index, snapshots,
// locks). Packs, trees and snapshots build on this (later parts of issue 3).
//
// Write-ordering rule kept by Init: the key file is stored before `config`,
// and `config` is created with create-if-absent semantics, so two concurrent
// inits cannot both succeed and a crash leaves at most an unused key file.
#ifndef VAULTKEEP_REPO_REPOSITORY_H_
#define VAULTKEEP_REPO_REPOSITORY_H_

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "kit/crypto/restic_crypto.h"
#include "vaultkeep/repo/config.h"
#include "vaultkeep/repo/index.h"
#include "vaultkeep/repo/key_file.h"
#include "vaultkeep/repo/pack.h"
#include "vaultkeep/repo/pack_uploader.h"
#include "vaultkeep/storage/storage.h"

namespace vk::repo {

// Unpacked file types and their directories.
inline constexpr char kIndexDir[] = "index";
inline constexpr char kSnapshotsDir[] = "snapshots";
inline constexpr char kLocksDir[] = "locks";
inline constexpr char kKeysDir[] = "keys";
inline constexpr char kConfigKey[] = "config";
// restic tries at most this many key files without a hint.
inline constexpr int kMaxKeysTried = 20;

struct InitOptions {
  crypto::ScryptParams scrypt;
  std::string username;
  std::string hostname;
  std::string created;  // RFC 3339, from the caller's clock
};

class Repository {
 public:
  // Fails with kFailedPrecondition if a repository (a `config`) exists.
  static Result<std::unique_ptr<Repository>> Init(
      std::unique_ptr<storage::Storage> storage, std::string_view password,
      const InitOptions& options);
  // kNotFound if there is no `config`; kPermissionDenied ("wrong password
  // or no key found") if no key file opens with `password`.
  static Result<std::unique_ptr<Repository>> Open(
      std::unique_ptr<storage::Storage> storage, std::string_view password);

  const RepoConfig& config() const { return config_; }
  const std::string& key_id() const { return key_id_; }
  const crypto::ResticKey& key() const { return key_; }
  // A secret for keying the chunker, derived from the master key so every
  // key file of the repository chunks alike and nobody without it can
  // predict chunk boundaries.
  Sha256Digest ChunkerSecret() const;
  storage::Storage& storage() { return *storage_; }

  // Encrypts (v2: 0x02 || zstd(plaintext)) and stores under dir/<sha256>;
  // returns the ID.
  Result<std::string> SaveUnpacked(std::string_view dir,
                                   std::string_view plaintext);
  // Loads dir/<id>, checks its name against its hash, decrypts, and
  // decodes either encoding restic uses (raw JSON, or 0x02 || zstd).
  Result<std::string> LoadUnpacked(std::string_view dir, std::string_view id);

  // The IDs (file names) in an unpacked-file directory, unordered.
  Result<std::vector<std::string>> ListIds(std::string_view dir);

  // The decrypted config JSON as stored (for `cat config`).
  Result<std::string> LoadConfigJson();

  // Blobs. Write ordering: a pack is stored before any index file names it
  // (Flush), so a crash leaves at most unreferenced packs, never an index
  // entry without its data.
  //
  // Reads every index file into memory.
  Status LoadIndex();
  // Stores `plaintext` as a blob unless the index (or an open pack) already
  // has it; returns its ID and whether it was new. Data and tree blobs go
  // to separate packs, each written once it reaches the pack-size target.
  struct SavedBlob {
    Sha256Digest id;
    bool added = false;
  };
  Result<SavedBlob> SaveBlob(BlobType type, ByteSpan plaintext, bool compress);
  // Whether the index or an open pack already holds the blob. Safe to call
  // from worker threads while one thread saves blobs.
  bool HasBlob(BlobType type, const Sha256Digest& id) const;
  // Stores a blob sealed by SealBlob (on any thread) unless it is already
  // known; returns whether it was new. One thread at a time.
  Result<bool> SaveSealedBlob(SealedBlob blob);
  // Bytes of packs written since Open (pack files as stored).
  uint64_t pack_bytes_written() const { return pack_bytes_written_; }
  // Packs are written on a background thread (PackUploader); a blob is
  // readable with LoadBlob only after the Flush that indexes it.
  // Writes the open packs, then one index file for every pack written since
  // the last Flush, at most kIndexMaxBlobs blobs per file. Returns the last
  // index file's ID ("" if nothing was new).
  Result<std::string> Flush();
  // Forgets every blob saved since the last Flush and removes the packs
  // already written for them, so a failed backup records nothing. Returns
  // the first removal error (the rest are still attempted); a pack left
  // behind is unreferenced, which `check` reports and `prune` removes.
  Status DiscardUnindexed();
  // Fetches, decrypts, decompresses and verifies one blob.
  Result<std::string> LoadBlob(BlobType type, const Sha256Digest& id);
  const Index& index() const { return index_; }
  // The index files LoadIndex read.
  const std::vector<std::string>& loaded_index_files() const {
    return loaded_index_files_;
  }
  // Finishes `packer` and stores the pack; returns its ID. The index is
  // not touched (prune builds its own).
  Result<std::string> StorePack(PackWriter& packer);
  void set_pack_size_for_test(size_t bytes) { pack_size_ = bytes; }

 private:
  Repository(std::unique_ptr<storage::Storage> storage, crypto::ResticKey key,
             std::string key_id, RepoConfig config)
      : storage_(std::move(storage)),
        key_(std::move(key)),
        key_id_(std::move(key_id)),
        config_(std::move(config)) {}

  Status WritePack(PackWriter& packer);

  std::unique_ptr<storage::Storage> storage_;
  crypto::ResticKey key_;
  std::string key_id_;
  RepoConfig config_;

  // Guards index_, in_open_packs_ and unindexed_ (the uploader thread
  // updates them when a pack is stored).
  mutable std::shared_mutex blobs_mu_;
  Index index_;
  PackWriter data_packer_{&key_};
  PackWriter tree_packer_{&key_};
  std::unordered_set<std::string> in_open_packs_;  // Index::Key of blobs
  std::vector<PackBlobs> unindexed_;               // written, not yet indexed
  size_t pack_size_ = 16 << 20;
  uint64_t pack_bytes_written_ = 0;
  std::vector<std::string> loaded_index_files_;
  PackUploader uploader_{storage_.get()};  // after storage_: uses it
};

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_REPOSITORY_H_
