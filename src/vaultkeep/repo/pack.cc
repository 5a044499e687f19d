#include "vaultkeep/repo/pack.h"

#include <cstring>

#include "kit/compress/zstd.h"

namespace vk::repo {
namespace {

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

}  // namespace

std::string_view BlobTypeName(BlobType t) {
  return t == BlobType::kTree ? "tree" : "data";
}

SealedBlob SealBlob(const crypto::ResticKey& key, BlobType type,
                    const Sha256Digest& id, ByteSpan plaintext, bool compress,
                    int level) {
  SealedBlob b{.type = type, .id = id};
  if (compress) {
    std::string z = ZstdCompress(plaintext, level);
    if (z.size() + plaintext.size() / 32 < plaintext.size()) {
      b.sealed = crypto::ResticSeal(key, AsBytes(z));
      b.uncompressed_length = static_cast<uint32_t>(plaintext.size());
      return b;
    }
  }
  b.sealed = crypto::ResticSeal(key, plaintext);
  return b;
}

void PackWriter::Add(BlobType type, const Sha256Digest& id, ByteSpan plaintext,
                     bool compress) {
  AddSealed(SealBlob(*key_, type, id, plaintext, compress));
}

void PackWriter::AddSealed(SealedBlob blob) {
  PackedBlob b;
  b.id = blob.id;
  b.type = blob.type;
  b.offset = static_cast<uint32_t>(data_.size());
  b.length = static_cast<uint32_t>(blob.sealed.size());
  b.uncompressed_length = blob.uncompressed_length;
  data_ += blob.sealed;
  blobs_.push_back(b);
}

std::string PackWriter::Finish() {
  std::string header;
  for (const PackedBlob& b : blobs_) {
    bool z = b.uncompressed_length != 0;
    uint8_t t =
        static_cast<uint8_t>((b.type == BlobType::kTree ? 1 : 0) + (z ? 2 : 0));
    header.push_back(static_cast<char>(t));
    PutU32(&header, b.length);
    if (z) PutU32(&header, b.uncompressed_length);
    header.append(reinterpret_cast<const char*>(b.id.data()), b.id.size());
  }
  std::string sealed = crypto::ResticSeal(*key_, AsBytes(header));
  std::string pack = std::move(data_);
  pack += sealed;
  PutU32(&pack, static_cast<uint32_t>(sealed.size()));
  data_.clear();
  blobs_.clear();
  return pack;
}

Result<uint64_t> PackHeaderSpan(uint64_t pack_size, ByteSpan last4) {
  if (pack_size < 4 + crypto::kResticOverhead || last4.size() != 4) {
    return Corruption("pack is too short for a header");
  }
  uint32_t hlen = GetU32(last4.data());
  if (hlen > kMaxHeaderSize || hlen + 4ull > pack_size ||
      hlen < crypto::kResticOverhead) {
    return Corruption("pack header length " + std::to_string(hlen) +
                      " does not fit the pack");
  }
  return hlen + 4ull;
}

Result<std::vector<PackedBlob>> ParsePackTail(const crypto::ResticKey& key,
                                              uint64_t pack_size,
                                              ByteSpan tail) {
  if (tail.size() < 4 || tail.size() > pack_size) {
    return Corruption("pack is too short for a header");
  }
  VK_ASSIGN_OR_RETURN(uint64_t span, PackHeaderSpan(pack_size, tail.last(4)));
  if (span > tail.size()) {
    return InvalidArgument("pack tail holds " + std::to_string(tail.size()) +
                           " bytes but the header needs " +
                           std::to_string(span));
  }
  uint32_t hlen = static_cast<uint32_t>(span - 4);
  uint64_t header_at = pack_size - span;
  VK_ASSIGN_OR_RETURN(
      std::string header,
      crypto::ResticOpen(key, tail.subspan(tail.size() - span, hlen)));
  std::vector<PackedBlob> out;
  const auto* p = reinterpret_cast<const uint8_t*>(header.data());
  size_t pos = 0;
  uint64_t offset = 0;
  while (pos < header.size()) {
    uint8_t t = p[pos];
    if (t > 3)
      return Corruption("pack header has unknown blob type " +
                        std::to_string(t));
    size_t entry = t >= 2 ? 41 : 37;
    if (pos + entry > header.size())
      return Corruption("pack header is truncated");
    PackedBlob b;
    b.type = (t & 1) ? BlobType::kTree : BlobType::kData;
    b.length = GetU32(p + pos + 1);
    if (t >= 2) b.uncompressed_length = GetU32(p + pos + 5);
    std::memcpy(b.id.data(), p + pos + entry - 32, 32);
    b.offset = static_cast<uint32_t>(offset);
    offset += b.length;
    pos += entry;
    out.push_back(b);
  }
  if (offset != header_at) {
    return Corruption("pack blobs cover " + std::to_string(offset) +
                      " bytes but the header starts at " +
                      std::to_string(header_at));
  }
  return out;
}

Result<std::vector<PackedBlob>> ParsePack(const crypto::ResticKey& key,
                                          ByteSpan pack) {
  return ParsePackTail(key, pack.size(), pack);
}

Status BlobIdMismatch(const PackedBlob& blob) {
  return Corruption("blob " + HexEncode(blob.id) +
                    " does not match its ID (damaged data)");
}

Result<std::string> OpenBlob(const crypto::ResticKey& key,
                             const PackedBlob& blob, ByteSpan stored,
                             bool check_id) {
  VK_ASSIGN_OR_RETURN(std::string plain, crypto::ResticOpen(key, stored));
  if (blob.uncompressed_length != 0) {
    VK_ASSIGN_OR_RETURN(
        plain, ZstdDecompress(AsBytes(plain), blob.uncompressed_length));
    if (plain.size() != blob.uncompressed_length) {
      return Corruption("blob " + HexEncode(blob.id) +
                        " decompresses to the wrong length");
    }
  }
  if (check_id && Sha256::Of(AsBytes(plain)) != blob.id) {
    return BlobIdMismatch(blob);
  }
  return plain;
}

std::string PackKey(std::string_view pack_id) {
  return std::string(kDataDir) + "/" + std::string(pack_id.substr(0, 2)) + "/" +
         std::string(pack_id);
}

}  // namespace vk::repo
