#include "vaultkeep/repo/index.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace vk::repo {
namespace {

bool ParseId(const nlohmann::json& v, Sha256Digest* out) {
  if (!v.is_string()) return false;
  auto raw = HexDecode(v.get<std::string>());
  if (!raw.ok() || raw->size() != 32) return false;
  std::memcpy(out->data(), raw->data(), 32);
  return true;
}

bool U32(const nlohmann::json& o, const char* name, uint32_t* out) {
  if (!o.contains(name)) return false;
  const auto& v = o[name];
  if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v.get<uint64_t>());
  return true;
}

}  // namespace

std::string Index::Key(BlobType type, const Sha256Digest& id) {
  std::string k(1, type == BlobType::kTree ? 't' : 'd');
  k.append(reinterpret_cast<const char*>(id.data()), id.size());
  return k;
}

bool Index::Add(const std::string& pack_id, const PackedBlob& blob) {
  BlobKey key{blob.id, blob.type};
  if (entries_.count(key)) return false;
  auto [it, fresh] = pack_numbers_.try_emplace(
      pack_id, static_cast<uint32_t>(pack_ids_.size()));
  if (fresh) pack_ids_.push_back(pack_id);
  entries_.emplace(key, Slot{it->second, blob.offset, blob.length,
                             blob.uncompressed_length});
  return true;
}

std::optional<IndexEntry> Index::Find(BlobType type,
                                      const Sha256Digest& id) const {
  auto it = entries_.find(BlobKey{id, type});
  if (it == entries_.end()) return std::nullopt;
  const Slot& s = it->second;
  return IndexEntry{pack_ids_[s.pack], PackedBlob{id, type, s.offset, s.length,
                                                  s.uncompressed_length}};
}

std::vector<IndexEntry> Index::Entries() const {
  std::vector<IndexEntry> out;
  out.reserve(entries_.size());
  for (const auto& [k, s] : entries_) {
    out.push_back(IndexEntry{
        pack_ids_[s.pack],
        PackedBlob{k.id, k.type, s.offset, s.length, s.uncompressed_length}});
  }
  return out;
}

Status Index::Merge(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  auto bad = [](const std::string& why) {
    return Corruption("index file is malformed: " + why);
  };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("packs") || !j["packs"].is_array())
    return bad("no packs list");
  for (const auto& pack : j["packs"]) {
    if (!pack.is_object() || !pack.contains("id") || !pack["id"].is_string() ||
        !pack.contains("blobs") || !pack["blobs"].is_array()) {
      return bad("a pack entry lacks id or blobs");
    }
    Sha256Digest pack_digest;
    if (!ParseId(pack["id"], &pack_digest))
      return bad("a pack id is not 64 hex digits");
    std::string pack_id = HexEncode(pack_digest);
    for (const auto& b : pack["blobs"]) {
      PackedBlob blob;
      if (!b.is_object() ||
          !ParseId(b.value("id", nlohmann::json()), &blob.id)) {
        return bad("a blob id is not 64 hex digits");
      }
      std::string type = b.value("type", "");
      if (type == "data") {
        blob.type = BlobType::kData;
      } else if (type == "tree") {
        blob.type = BlobType::kTree;
      } else {
        return bad("unknown blob type \"" + type + "\"");
      }
      if (!U32(b, "offset", &blob.offset) || !U32(b, "length", &blob.length)) {
        return bad("a blob lacks offset or length");
      }
      if (b.contains("uncompressed_length") &&
          !U32(b, "uncompressed_length", &blob.uncompressed_length)) {
        return bad("bad uncompressed_length");
      }
      Add(pack_id, blob);
    }
  }
  return Status::Ok();
}

// Written by hand rather than through a JSON DOM: a DOM costs several
// hundred bytes per blob, and an index file holds up to kIndexMaxBlobs.
std::string Index::Encode(const std::vector<PackBlobs>& packs) {
  std::string out = "{\"packs\":[";
  bool first_pack = true;
  for (const auto& [pack_id, blobs] : packs) {
    if (!first_pack) out += ',';
    first_pack = false;
    out += "{\"id\":\"" + pack_id + "\",\"blobs\":[";
    for (size_t i = 0; i < blobs.size(); ++i) {
      const PackedBlob& b = blobs[i];
      if (i) out += ',';
      out += "{\"id\":\"";
      out += HexEncode(b.id);
      out += "\",\"type\":\"";
      out += BlobTypeName(b.type);
      out += "\",\"offset\":" + std::to_string(b.offset) +
             ",\"length\":" + std::to_string(b.length);
      if (b.uncompressed_length != 0) {
        out += ",\"uncompressed_length\":" +
               std::to_string(b.uncompressed_length);
      }
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::vector<std::vector<PackBlobs>> Index::SplitForFiles(
    std::vector<PackBlobs> packs) {
  std::vector<std::vector<PackBlobs>> files;
  size_t in_file = kIndexMaxBlobs;
  for (auto& pb : packs) {
    if (in_file + pb.second.size() > kIndexMaxBlobs && in_file > 0) {
      files.emplace_back();
      in_file = 0;
    }
    in_file += pb.second.size();
    files.back().push_back(std::move(pb));
  }
  return files;
}

}  // namespace vk::repo
