#include "kit/snapshot/sealed.h"

#include "kit/crypto/aead.h"
#include "kit/protowire/protowire.h"

namespace vk::snapshot {
namespace {

using protowire::Field;
using protowire::Reader;

// BlobInfo{1: ciphertext, 2: iv, 3: hmac, 4: wrapped, 5: KeyInfo{3: key_id}}.
Status ParseKeyInfo(std::string_view bytes, BlobInfo* out) {
  Reader k(bytes, "BlobInfo.key_info");
  while (!k.done()) {
    VK_ASSIGN_OR_RETURN(Field f, k.Next());
    if (f.number == 3) {
      VK_ASSIGN_OR_RETURN(std::string_view id, k.BytesOf(f));
      out->key_id = id;
    } else {
      VK_RETURN_IF_ERROR(k.Skip(f.type));
    }
  }
  return Status::Ok();
}

Status ParseBlobInfoFields(std::string_view bytes, BlobInfo* out) {
  Reader r(bytes, "BlobInfo");
  while (!r.done()) {
    VK_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number >= 1 && f.number <= 3) {
      VK_ASSIGN_OR_RETURN(std::string_view s, r.BytesOf(f));
      (f.number == 1   ? out->ciphertext
       : f.number == 2 ? out->iv
                       : out->hmac) = s;
    } else if (f.number == 4) {
      VK_ASSIGN_OR_RETURN(uint64_t v, r.VarintOf(f));
      out->wrapped = v != 0;
    } else if (f.number == 5) {
      VK_ASSIGN_OR_RETURN(std::string_view s, r.BytesOf(f));
      out->has_key_info = true;
      VK_RETURN_IF_ERROR(ParseKeyInfo(s, out));
    } else {
      VK_RETURN_IF_ERROR(r.Skip(f.type));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<BlobInfo> ParseBlobInfo(std::string_view bytes) {
  BlobInfo out;
  if (!ParseBlobInfoFields(bytes, &out).ok()) {
    return Corruption("SHA256SUMS.sealed is not a valid BlobInfo protobuf");
  }
  if (out.ciphertext.empty()) {
    return Corruption("SHA256SUMS.sealed holds no ciphertext");
  }
  return out;
}

std::string EncodeBlobInfo(const BlobInfo& blob) {
  std::string out;
  protowire::Writer w(&out);
  w.ImplicitBytesField(1, blob.ciphertext);
  w.ImplicitBytesField(2, blob.iv);
  w.ImplicitBytesField(3, blob.hmac);
  w.ImplicitVarintField(4, blob.wrapped ? 1 : 0);
  if (blob.has_key_info) {
    std::string ki;
    protowire::Writer(&ki).ImplicitBytesField(3, blob.key_id);
    // Present even when empty: has_key_info is its presence.
    w.BytesField(5, ki);
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
