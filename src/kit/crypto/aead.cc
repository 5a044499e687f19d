#include "kit/crypto/aead.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace vk {
namespace {

using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

Status CheckSizes(ByteSpan key, ByteSpan nonce) {
  if (key.size() != 32)
    return InvalidArgument("AES-256-GCM needs a 32-byte key");
  if (nonce.size() != kGcmNonceSize) {
    return InvalidArgument("AES-GCM needs a 12-byte nonce");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan plaintext,
                               ByteSpan aad) {
  VK_RETURN_IF_ERROR(CheckSizes(key, nonce));
  CtxPtr ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plaintext.size() + kGcmTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                         nonce.data()) != 1 ||
      (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                          o + plaintext.size()) != 1) {
    return Internal("AES-GCM encryption failed");
  }
  return out;
}

Result<std::string> AesGcmOpen(ByteSpan key, ByteSpan nonce,
                               ByteSpan ciphertext_and_tag, ByteSpan aad) {
  VK_RETURN_IF_ERROR(CheckSizes(key, nonce));
  if (ciphertext_and_tag.size() < kGcmTagSize) {
    return Corruption("AES-GCM ciphertext is shorter than its tag");
  }
  size_t ct_len = ciphertext_and_tag.size() - kGcmTagSize;
  CtxPtr ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(ct_len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  std::string tag(AsChars(ciphertext_and_tag.subspan(ct_len)));
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(),
                         nonce.data()) != 1 ||
      (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(),
                                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), o, &len, ciphertext_and_tag.data(),
                        static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize,
                          tag.data()) != 1) {
    return Internal("AES-GCM decryption setup failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), o + len, &len) != 1) {
    return Corruption("message authentication failed");
  }
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  VK_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                      static_cast<int>(n)) == 1);
  return out;
}

}  // namespace vk
