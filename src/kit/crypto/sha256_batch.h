// SHA-256 of many independent messages at once. On CPUs without SHA-NI
// (this project's CI machines among them), OpenSSL hashes one message at a
// time at ~250 MB/s per core; hashing 8 messages in the 8 32-bit lanes of
// AVX2 registers gets several times that. Blob IDs are SHA-256 of each
// chunk, so the backup and dump pipelines have exactly this shape: many
// 2-32 KiB messages. OpenSSL has no public multi-buffer API and no Debian
// library offers one, hence this file (docs/decisions/sha256-batch.md).
//
// Results are bit-identical to Sha256::Of (tested against OpenSSL on
// random lengths). Without AVX2, or with SHA-NI present (where OpenSSL is
// faster per message), it falls back to OpenSSL.
#ifndef KIT_CRYPTO_SHA256_BATCH_H_
#define KIT_CRYPTO_SHA256_BATCH_H_

#include <span>

#include "kit/crypto/sha256.h"

namespace vk {

// out[i] = SHA-256(in[i]); `out` has in.size() elements.
void Sha256Batch(std::span<const ByteSpan> in, Sha256Digest* out);

// Whether the 8-lane path is used on this CPU.
bool Sha256BatchAccelerated();

// Forces the OpenSSL path (tests compare both).
void Sha256BatchForceScalarForTest(bool scalar);

}  // namespace vk

#endif  // KIT_CRYPTO_SHA256_BATCH_H_
