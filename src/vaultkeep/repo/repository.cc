#include "vaultkeep/repo/repository.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "kit/compress/zstd.h"
#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "vaultkeep/repo/polynomial.h"

namespace vk::repo {
namespace {

constexpr size_t kMaxUnpackedSize = 512u << 20;

std::string IdOf(std::string_view stored) {
  return HexEncode(Sha256::Of(AsBytes(stored)));
}

std::string Where(storage::Storage& s) { return s.properties().location; }

}  // namespace

Result<std::unique_ptr<Repository>> Repository::Init(
    std::unique_ptr<storage::Storage> storage, std::string_view password,
    const InitOptions& options) {
  if (password.empty()) {
    return InvalidArgument("an empty password is not allowed");
  }
  auto existing = storage->Stat(kConfigKey);
  if (existing.ok()) {
    return FailedPrecondition("a repository already exists at " +
                              Where(*storage));
  }
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  crypto::ResticKey master = crypto::ResticKey::Random();
  KeyFile identity;
  identity.created = options.created;
  identity.username = options.username;
  identity.hostname = options.hostname;
  VK_ASSIGN_OR_RETURN(
      KeyFile key_file,
      WrapMasterKey(master, password, options.scrypt, identity));
  std::string key_json = EncodeKeyFile(key_file);
  std::string key_id = IdOf(key_json);
  VK_RETURN_IF_ERROR(
      storage->Put(std::string(kKeysDir) + "/" + key_id, AsBytes(key_json)));

  RepoConfig config;
  config.version = kMaxRepoVersion;
  config.id = HexEncode(AsBytes(RandomBytes(32)));
  config.chunker_polynomial = RandomIrreducible53([] {
    uint64_t v = 0;
    std::memcpy(&v, RandomBytes(sizeof(v)).data(), sizeof(v));
    return v;
  });
  std::string sealed =
      crypto::ResticSeal(master, AsBytes(EncodeConfig(config)));
  Status put = storage->Put(kConfigKey, AsBytes(sealed));
  if (!put.ok()) {
    // Lost a race with another init, or the write failed: our key file
    // wraps a master key nobody will use.
    (void)storage->Remove(std::string(kKeysDir) + "/" + key_id);
    if (put.code() == StatusCode::kFailedPrecondition) {
      return FailedPrecondition("a repository already exists at " +
                                Where(*storage));
    }
    return put;
  }
  return std::unique_ptr<Repository>(new Repository(
      std::move(storage), std::move(master), key_id, std::move(config)));
}

Result<std::unique_ptr<Repository>> Repository::Open(
    std::unique_ptr<storage::Storage> storage, std::string_view password) {
  auto config_info = storage->Stat(kConfigKey);
  if (!config_info.ok()) {
    if (config_info.status().code() == StatusCode::kNotFound) {
      return NotFound("no repository at " + Where(*storage) +
                      " (it has no config file; create one with `vaultkeep "
                      "init`)");
    }
    return config_info.status();
  }
  std::vector<std::string> keys;
  VK_RETURN_IF_ERROR(storage->List(std::string(kKeysDir) + "/",
                                   [&](const storage::ObjectInfo& info) {
                                     keys.push_back(info.key);
                                     return Status::Ok();
                                   }));
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size() && i < kMaxKeysTried; ++i) {
    VK_ASSIGN_OR_RETURN(std::string json, storage::GetAll(*storage, keys[i]));
    auto key_file = ParseKeyFile(json);
    if (!key_file.ok()) continue;  // a damaged key file must not lock us out
    auto master = UnwrapMasterKey(*key_file, password);
    if (!master.ok()) {
      if (master.status().code() == StatusCode::kPermissionDenied) continue;
      return master.status().WithContext(keys[i]);
    }
    VK_ASSIGN_OR_RETURN(std::string sealed,
                        storage::GetAll(*storage, kConfigKey));
    auto plain = crypto::ResticOpen(*master, AsBytes(sealed));
    if (!plain.ok()) {
      return Corruption("config of " + Where(*storage) +
                        " does not decrypt with the repository key: " +
                        plain.status().message());
    }
    VK_ASSIGN_OR_RETURN(RepoConfig config, ParseConfig(*plain));
    std::string id = keys[i].substr(std::string(kKeysDir).size() + 1);
    return std::unique_ptr<Repository>(new Repository(
        std::move(storage), std::move(*master), id, std::move(config)));
  }
  return PermissionDenied("wrong password or no key found for repository " +
                          Where(*storage));
}

Result<std::string> Repository::SaveUnpacked(std::string_view dir,
                                             std::string_view plaintext) {
  std::string body;
  if (config_.version >= 2) {
    body.assign(1, '\x02');  // v2 encoding marker, then one zstd frame
    body += ZstdCompress(AsBytes(plaintext));
  } else {
    body = std::string(plaintext);
  }
  std::string sealed = crypto::ResticSeal(key_, AsBytes(body));
  std::string id = IdOf(sealed);
  VK_RETURN_IF_ERROR(
      storage_->Put(std::string(dir) + "/" + id, AsBytes(sealed)));
  return id;
}

Result<std::string> Repository::LoadUnpacked(std::string_view dir,
                                             std::string_view id) {
  std::string key = std::string(dir) + "/" + std::string(id);
  VK_ASSIGN_OR_RETURN(std::string sealed, storage::GetAll(*storage_, key));
  if (IdOf(sealed) != id) {
    return Corruption(key + " does not hash to its name (damaged file)");
  }
  auto plain = crypto::ResticOpen(key_, AsBytes(sealed));
  if (!plain.ok()) return plain.status().WithContext(key);
  if (plain->empty()) return Corruption(key + " is empty");
  char first = (*plain)[0];
  if (first == '{' || first == '[') return std::move(*plain);
  if (first == '\x02') {
    auto json = ZstdDecompress(AsBytes(std::string_view(*plain).substr(1)),
                               kMaxUnpackedSize);
    if (!json.ok()) return json.status().WithContext(key);
    return json;
  }
  return Corruption(key + " uses an unsupported encoding format");
}

Status Repository::LoadIndex() {
  VK_ASSIGN_OR_RETURN(std::vector<std::string> ids, ListIds(kIndexDir));
  loaded_index_files_ = ids;
  for (const std::string& id : ids) {
    VK_ASSIGN_OR_RETURN(std::string json, LoadUnpacked(kIndexDir, id));
    VK_RETURN_IF_ERROR(index_.Merge(json).WithContext("index/" + id));
  }
  return Status::Ok();
}

Result<Repository::SavedBlob> Repository::SaveBlob(BlobType type,
                                                   ByteSpan plaintext,
                                                   bool compress) {
  SavedBlob saved{.id = Sha256::Of(plaintext)};
  if (HasBlob(type, saved.id)) return saved;
  VK_ASSIGN_OR_RETURN(
      saved.added,
      SaveSealedBlob(SealBlob(key_, type, saved.id, plaintext, compress)));
  return saved;
}

bool Repository::HasBlob(BlobType type, const Sha256Digest& id) const {
  std::shared_lock lock(blobs_mu_);
  return index_.Has(type, id) || in_open_packs_.count(Index::Key(type, id));
}

Result<bool> Repository::SaveSealedBlob(SealedBlob blob) {
  std::string key = Index::Key(blob.type, blob.id);
  {
    std::unique_lock lock(blobs_mu_);
    if (index_.Has(blob.type, blob.id) || !in_open_packs_.insert(key).second) {
      return false;
    }
  }
  PackWriter& packer =
      blob.type == BlobType::kTree ? tree_packer_ : data_packer_;
  packer.AddSealed(std::move(blob));
  if (packer.size() >= pack_size_) VK_RETURN_IF_ERROR(WritePack(packer));
  return true;
}

Sha256Digest Repository::ChunkerSecret() const {
  Sha256 h;
  h.Update(AsBytes("vaultkeep chunker secret v1"));
  h.Update(AsBytes(key_.encrypt));
  h.Update(AsBytes(key_.mac_k));
  h.Update(AsBytes(key_.mac_r));
  return h.Finish();
}

Result<std::string> Repository::StorePack(PackWriter& packer) {
  std::string pack = packer.Finish();
  std::string id = IdOf(pack);
  VK_RETURN_IF_ERROR(storage_->Put(PackKey(id), AsBytes(pack)));
  pack_bytes_written_ += pack.size();
  return id;
}

Status Repository::WritePack(PackWriter& packer) {
  if (packer.count() == 0) return Status::Ok();
  std::vector<PackedBlob> blobs = packer.blobs();
  std::string pack = packer.Finish();
  pack_bytes_written_ += pack.size();
  // Blobs stay "in an open pack" (deduplicated, not yet indexed) until the
  // uploader has stored the pack.
  return uploader_.Enqueue(
      std::move(pack), [this, blobs = std::move(blobs)](const std::string& id) {
        std::unique_lock lock(blobs_mu_);
        for (const PackedBlob& b : blobs) {
          index_.Add(id, b);
          in_open_packs_.erase(Index::Key(b.type, b.id));
        }
        unindexed_.emplace_back(id, blobs);
      });
}

Result<std::string> Repository::Flush() {
  VK_RETURN_IF_ERROR(WritePack(data_packer_));
  VK_RETURN_IF_ERROR(WritePack(tree_packer_));
  VK_RETURN_IF_ERROR(uploader_.Wait());  // packs before the index
  std::unique_lock lock(blobs_mu_);
  if (unindexed_.empty()) return std::string();
  std::string last;
  for (auto& file : Index::SplitForFiles(std::move(unindexed_))) {
    VK_ASSIGN_OR_RETURN(last, SaveUnpacked(kIndexDir, Index::Encode(file)));
  }
  unindexed_.clear();
  return last;
}

Status Repository::DiscardUnindexed() {
  (void)uploader_.Wait();  // a failed upload left nothing to remove
  Status first = Status::Ok();
  std::unique_lock lock(blobs_mu_);
  for (const auto& [pack_id, blobs] : unindexed_) {
    for (const PackedBlob& b : blobs) index_.Remove(b.type, b.id);
    Status st = storage_->Remove(PackKey(pack_id));
    if (!st.ok() && first.ok()) first = st;
  }
  unindexed_.clear();
  in_open_packs_.clear();
  data_packer_.Discard();
  tree_packer_.Discard();
  return first;
}

Result<std::string> Repository::LoadBlob(BlobType type,
                                         const Sha256Digest& id) {
  std::optional<IndexEntry> e = index_.Find(type, id);
  // A snapshot names only blobs that were indexed when it was written, so
  // a missing entry, pack or range is damage (exit 3), not a user error.
  const std::string hint =
      ": the repository is damaged; `vaultkeep check` "
      "names every damaged file";
  if (!e) {
    return Corruption(std::string(BlobTypeName(type)) + " blob " +
                      HexEncode(id) +
                      " is not in the index (an index file is missing or "
                      "damaged)" +
                      hint);
  }
  std::string key = PackKey(e->pack_id);
  StringSink stored;
  Status got = storage_->Get(key, e->blob.offset, e->blob.length, stored);
  if (got.code() == StatusCode::kNotFound) {
    return Corruption("pack " + key + ", which the index says holds " +
                      std::string(BlobTypeName(type)) + " blob " +
                      HexEncode(id) + ", is missing" + hint);
  }
  if (got.code() == StatusCode::kInvalidArgument) {
    return Corruption("pack " + key + " is truncated (" + got.message() + ")" +
                      hint);
  }
  VK_RETURN_IF_ERROR(got);
  auto plain = OpenBlob(key_, e->blob, AsBytes(stored.data()));
  if (!plain.ok()) return plain.status().WithContext(key);
  return plain;
}

Result<std::vector<std::string>> Repository::ListIds(std::string_view dir) {
  std::string prefix = std::string(dir) + "/";
  std::vector<std::string> ids;
  VK_RETURN_IF_ERROR(
      storage_->List(prefix, [&](const storage::ObjectInfo& info) {
        ids.push_back(info.key.substr(prefix.size()));
        return Status::Ok();
      }));
  return ids;
}

Result<std::string> Repository::LoadConfigJson() {
  VK_ASSIGN_OR_RETURN(std::string sealed,
                      storage::GetAll(*storage_, kConfigKey));
  return crypto::ResticOpen(key_, AsBytes(sealed));
}

}  // namespace vk::repo
