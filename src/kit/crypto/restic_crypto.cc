#include "kit/crypto/restic_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstring>
#include <memory>

#include "kit/crypto/aead.h"

namespace vk::crypto {
namespace {

using CipherCtx =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Fetched once: an implicit fetch per call costs more than sealing a
// small blob (OpenSSL 3). The objects are immutable and thread-safe.
const EVP_CIPHER* Aes256Ctr() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-CTR", nullptr);
  return c;
}
const EVP_CIPHER* Aes128Ecb() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
  return c;
}
EVP_MAC* Poly1305() {
  static EVP_MAC* m = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_POLY1305, nullptr);
  return m;
}

// AES-CTR is its own inverse. Writes in.size() bytes to `out`.
void AesCtrInto(ByteSpan key, ByteSpan iv, ByteSpan in, uint8_t* out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  VK_CHECK(EVP_EncryptInit_ex(ctx.get(), Aes256Ctr(), nullptr, key.data(),
                              iv.data()) == 1);
  size_t done = 0;
  while (done < in.size()) {
    int piece = static_cast<int>(std::min<size_t>(in.size() - done, 1 << 30));
    VK_CHECK(EVP_EncryptUpdate(ctx.get(), out + done, &len, in.data() + done,
                               piece) == 1);
    done += static_cast<size_t>(len);
  }
  VK_CHECK(EVP_EncryptFinal_ex(ctx.get(), out + done, &fin) == 1);
}

std::string AesCtr(ByteSpan key, ByteSpan iv, ByteSpan in) {
  std::string out(in.size(), '\0');
  AesCtrInto(key, iv, in, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

// Poly1305-AES: key r || AES-128_k(nonce), over `msg`; 16 bytes to `tag`.
void Poly1305AesInto(const ResticKey& key, ByteSpan nonce, ByteSpan msg,
                     uint8_t* tag) {
  uint8_t one_time[32];
  std::memcpy(one_time, key.mac_r.data(), 16);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  VK_CHECK(
      EVP_EncryptInit_ex(ctx.get(), Aes128Ecb(), nullptr,
                         reinterpret_cast<const uint8_t*>(key.mac_k.data()),
                         nullptr) == 1);
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  VK_CHECK(
      EVP_EncryptUpdate(ctx.get(), one_time + 16, &len, nonce.data(), 16) == 1);
  VK_CHECK(Poly1305() != nullptr);
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(Poly1305());
  size_t tag_len = 0;
  VK_CHECK(EVP_MAC_init(mctx, one_time, sizeof(one_time), nullptr) == 1);
  VK_CHECK(EVP_MAC_update(mctx, msg.data(), msg.size()) == 1);
  VK_CHECK(EVP_MAC_final(mctx, tag, &tag_len, 16) == 1 && tag_len == 16);
  EVP_MAC_CTX_free(mctx);
  OPENSSL_cleanse(one_time, sizeof(one_time));
}

std::string Poly1305Aes(const ResticKey& key, ByteSpan nonce, ByteSpan msg) {
  std::string tag(16, '\0');
  Poly1305AesInto(key, nonce, msg, reinterpret_cast<uint8_t*>(tag.data()));
  return tag;
}

}  // namespace

ResticKey ResticKey::Random() {
  return {RandomBytes(32), RandomBytes(16), RandomBytes(16)};
}

std::string ResticSealWithIv(const ResticKey& key, ByteSpan iv,
                             ByteSpan plaintext) {
  VK_CHECK(key.valid() && iv.size() == kResticIvSize);
  std::string out(16 + plaintext.size() + 16, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  std::memcpy(o, iv.data(), 16);
  AesCtrInto(AsBytes(key.encrypt), iv, plaintext, o + 16);
  Poly1305AesInto(key, iv, ByteSpan(o + 16, plaintext.size()),
                  o + 16 + plaintext.size());
  return out;
}

std::string ResticSeal(const ResticKey& key, ByteSpan plaintext) {
  std::string iv;
  do {
    iv = RandomBytes(kResticIvSize);
  } while (iv == std::string(kResticIvSize, '\0'));  // restic: never all zero
  return ResticSealWithIv(key, AsBytes(iv), plaintext);
}

Result<std::string> ResticOpen(const ResticKey& key, ByteSpan sealed) {
  if (!key.valid()) return Internal("invalid restic key");
  if (sealed.size() < kResticOverhead) {
    return Corruption("encrypted object is shorter than its IV and MAC");
  }
  ByteSpan iv = sealed.first(kResticIvSize);
  ByteSpan ct = sealed.subspan(kResticIvSize, sealed.size() - kResticOverhead);
  ByteSpan mac = sealed.last(kResticMacSize);
  std::string want = Poly1305Aes(key, iv, ct);
  if (CRYPTO_memcmp(want.data(), mac.data(), kResticMacSize) != 0) {
    return Corruption(
        "ciphertext verification failed (wrong key or damaged data)");
  }
  return AesCtr(AsBytes(key.encrypt), iv, ct);
}

Result<ResticKey> DeriveResticKey(std::string_view password, ByteSpan salt,
                                  ScryptParams p) {
  if (p.n < 2 || (p.n & (p.n - 1)) != 0 || p.r == 0 || p.p == 0) {
    return Corruption("invalid scrypt parameters");
  }
  constexpr uint64_t kMaxMem = uint64_t{1} << 30;
  if (p.n > kMaxMem / (128 * static_cast<uint64_t>(p.r)) ||
      static_cast<uint64_t>(p.p) * p.r > (uint64_t{1} << 20)) {
    return Corruption("scrypt parameters ask for more than 1 GiB of memory");
  }
  uint8_t out[64];
  if (EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(),
                     p.n, p.r, p.p, kMaxMem + (64u << 20), out,
                     sizeof(out)) != 1) {
    return Internal("scrypt failed");
  }
  ResticKey k{std::string(reinterpret_cast<char*>(out), 32),
              std::string(reinterpret_cast<char*>(out) + 32, 16),
              std::string(reinterpret_cast<char*>(out) + 48, 16)};
  OPENSSL_cleanse(out, sizeof(out));
  return k;
}

}  // namespace vk::crypto
