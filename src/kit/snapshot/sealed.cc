#include "kit/snapshot/sealed.h"

#include "kit/crypto/aead.h"
#include "kit/snapshot/records.h"

namespace vk::snapshot {
namespace {

// Minimal protobuf reader over a bounded buffer.
class PbReader {
 public:
  explicit PbReader(std::string_view b) : b_(b) {}
  bool done() const { return pos_ == b_.size(); }
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= b_.size()) return false;
      uint8_t c = static_cast<uint8_t>(b_[pos_++]);
      *v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (!(c & 0x80)) return true;
    }
    return false;
  }
  bool Bytes(std::string_view* out) {
    uint64_t n;
    if (!Varint(&n) || n > b_.size() - pos_) return false;
    *out = b_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(uint64_t wt) {
    uint64_t v;
    std::string_view s;
    switch (wt) {
      case 0:
        return Varint(&v);
      case 1:
        return Advance(8);
      case 2:
        return Bytes(&s);
      case 5:
        return Advance(4);
      default:
        return false;
    }
  }

 private:
  bool Advance(size_t n) {
    if (n > b_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

Result<BlobInfo> ParseBlobInfo(std::string_view bytes) {
  BlobInfo out;
  PbReader r(bytes);
  auto bad = [] {
    return Corruption("SHA256SUMS.sealed is not a valid BlobInfo protobuf");
  };
  while (!r.done()) {
    uint64_t tag;
    if (!r.Varint(&tag)) return bad();
    uint64_t field = tag >> 3, wt = tag & 7;
    if (field == 0) return bad();
    std::string_view s;
    if (field >= 1 && field <= 3) {
      if (wt != 2 || !r.Bytes(&s)) return bad();
      (field == 1 ? out.ciphertext : field == 2 ? out.iv : out.hmac) = s;
    } else if (field == 4) {
      uint64_t v;
      if (wt != 0 || !r.Varint(&v)) return bad();
      out.wrapped = v != 0;
    } else if (field == 5) {
      if (wt != 2 || !r.Bytes(&s)) return bad();
      out.has_key_info = true;
      PbReader k(s);
      while (!k.done()) {
        uint64_t kt;
        if (!k.Varint(&kt)) return bad();
        std::string_view ks;
        if ((kt >> 3) == 3 && (kt & 7) == 2) {
          if (!k.Bytes(&ks)) return bad();
          out.key_id = ks;
        } else if ((kt >> 3) == 0 || !k.Skip(kt & 7)) {
          return bad();
        }
      }
    } else if (!r.Skip(wt)) {
      return bad();
    }
  }
  if (out.ciphertext.empty()) {
    return Corruption("SHA256SUMS.sealed holds no ciphertext");
  }
  return out;
}

std::string EncodeBlobInfo(const BlobInfo& blob) {
  std::string out;
  auto bytes_field = [&](int field, const std::string& v) {
    if (v.empty()) return;
    out.push_back(static_cast<char>(field << 3 | 2));
    AppendUvarint(&out, v.size());
    out += v;
  };
  bytes_field(1, blob.ciphertext);
  bytes_field(2, blob.iv);
  bytes_field(3, blob.hmac);
  if (blob.wrapped) out += std::string("\x20\x01", 2);
  if (blob.has_key_info) {
    std::string ki;
    if (!blob.key_id.empty()) {
      ki.push_back(0x1a);
      AppendUvarint(&ki, blob.key_id.size());
      ki += blob.key_id;
    }
    out.push_back(0x2a);
    AppendUvarint(&out, ki.size());
    out += ki;
  }
  return out;
}

Result<std::string> SealWithKek(std::string_view kek,
                                std::string_view plaintext, bool wrapped,
                                std::string_view given_nonce) {
  std::string nonce = given_nonce.empty() ? RandomBytes(kGcmNonceSize)
                                          : std::string(given_nonce);
  VK_ASSIGN_OR_RETURN(
      std::string ct,
      AesGcmSeal(AsBytes(kek), AsBytes(nonce), AsBytes(plaintext), ByteSpan()));
  BlobInfo b;
  b.ciphertext = nonce + ct;
  b.wrapped = wrapped;
  b.has_key_info = true;
  return EncodeBlobInfo(b);
}

Result<std::string> OpenWithKek(std::string_view kek, std::string_view sealed) {
  VK_ASSIGN_OR_RETURN(BlobInfo b, ParseBlobInfo(sealed));
  if (b.ciphertext.size() < kGcmNonceSize + kGcmTagSize) {
    return Corruption("SHA256SUMS.sealed ciphertext is too short");
  }
  auto pt = AesGcmOpen(
      AsBytes(kek), AsBytes(std::string_view(b.ciphertext).substr(0, 12)),
      AsBytes(std::string_view(b.ciphertext).substr(12)), ByteSpan());
  if (!pt.ok()) {
    return Corruption(
        "SHA256SUMS.sealed does not decrypt with this key (the snapshot was "
        "sealed by a different set of unseal keys)");
  }
  return pt;
}

}  // namespace vk::snapshot
