// core/seal-config: the Shamir seal configuration, stored in PLAINTEXT so a
// sealed node knows how many unseal shares to ask for (reference §3, §5.4).
// Vault's SealConfig JSON, compact, in this key order:
//   {"type":"shamir","secret_shares":5,"secret_threshold":3,
//    "pgp_keys":null,"nonce":"","backup":false,"stored_shares":1}
#ifndef KIT_BARRIER_SEAL_CONFIG_H_
#define KIT_BARRIER_SEAL_CONFIG_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::barrier {

constexpr std::string_view kSealConfigPath = "core/seal-config";

struct SealConfig {
  std::string type = "shamir";
  int secret_shares = 0;
  int secret_threshold = 0;
  int stored_shares = 1;  // Shamir seals store the root key (wrapped) once
  std::string nonce;      // set by rekey operations; empty otherwise
};

std::string EncodeSealConfig(const SealConfig& config);
// Go encoding/json semantics: missing fields keep their zero value
// (stored_shares too), "type":"" reads as "shamir", unknown fields are
// ignored, pgp_keys and backup are accepted and dropped. kCorruption on
// anything else (not JSON, a field of the wrong type). Does not validate;
// call ValidateSealConfig.
Result<SealConfig> DecodeSealConfig(std::string_view json);

// Vault's SealConfig.Validate, in its order and with its texts, all
// kInvalidArgument:
//   shares < 1                      "shares must be at least one"
//   threshold < 1                   "threshold must be at least one"
//   shares > 1 and threshold == 1   "threshold must be greater than one for
//                                    multiple shares"
//   shares > 255                    "shares must be less than 256"
//   threshold > 255                 "threshold must be less than 256"
//   threshold > shares              "threshold cannot be larger than shares"
//   stored_shares > 1               "stored keys cannot be larger than 1"
Status ValidateSealConfig(const SealConfig& config);

}  // namespace vk::barrier

#endif  // KIT_BARRIER_SEAL_CONFIG_H_
