#include "kit/crypto/sha256.h"

#include <openssl/evp.h>

namespace vk {
namespace {

// Fetched once; an implicit fetch per init is a measurable cost per chunk.
const EVP_MD* Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  VK_CHECK(ctx_ != nullptr);
  VK_CHECK(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Md(), nullptr) ==
           1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(ByteSpan data) {
  VK_CHECK(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(),
                            data.size()) == 1);
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out;
  unsigned int len = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  VK_CHECK(EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == 32);
  VK_CHECK(EVP_DigestInit_ex(ctx, Md(), nullptr) == 1);
  return out;
}

Sha256Digest Sha256::Of(ByteSpan data) {
  Sha256Digest out;
  unsigned int len = 0;
  VK_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, Md(),
                      nullptr) == 1 &&
           len == 32);
  return out;
}

std::string HexEncode(ByteSpan data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return InvalidArgument("odd number of hex digits");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("not a hex digit");
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace vk
