// The barrier keyring as Vault stores it at core/keyring (reference §3,
// §6): the root key plus the data-encryption keys by term. Values in
// storage are encrypted with the key of the term written in their first
// four bytes; new writes use the active (highest) term.
//
// JSON form (Vault's EncodedKeyring, compact, this key order):
//   {"MasterKey":"<b64>","Keys":[{"Term":1,"Version":1,"Value":"<b64>",
//    "InstallTime":"<RFC3339Nano>"}],"RotationConfig":{"Disabled":false,
//    "MaxOperations":3865470566,"Interval":0}}
// Vault adds "encryptions":N to a key only when N is non-zero
// (`json:"encryptions,omitempty"`) and writes Keys in map order; we write
// them by ascending term.
#ifndef KIT_BARRIER_KEYRING_H_
#define KIT_BARRIER_KEYRING_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::barrier {

// Size of the root key and every data key (AES-256).
constexpr size_t kKeySize = 32;
// Vault's default KeyRotationConfig.MaxOperations (10% below the NIST
// bound for random-nonce AES-GCM).
constexpr int64_t kDefaultMaxOperations = 3'865'470'566;

struct Key {
  uint32_t term = 0;
  int version = 1;
  std::string value;         // kKeySize bytes
  std::string install_time;  // RFC 3339 with nanoseconds, UTC
  uint64_t encryptions = 0;  // Vault's estimate; kept for round trips
};

struct RotationConfig {
  bool disabled = false;
  int64_t max_operations = kDefaultMaxOperations;
  int64_t interval_ns = 0;  // Go time.Duration
};

// A default-constructed Keyring is empty (no keys, active term 0): Encrypt
// with it fails. Real keyrings come from Generate, Make or DecodeJson.
class Keyring {
 public:
  // A fresh keyring as Vault's barrier Initialize creates it: a random root
  // key and one random data key with term 1, installed now.
  static Keyring Generate();

  // A keyring from parts (tests, rotation, rekey). Fails with
  // kInvalidArgument unless the root key and every key value are kKeySize
  // bytes, there is at least one key, and terms are non-zero and distinct.
  // A key without an install time gets Go's zero time.
  static Result<Keyring> Make(std::string root_key, std::vector<Key> keys,
                              RotationConfig rotation = {});

  const std::string& root_key() const { return root_key_; }
  // The highest installed term; new values are encrypted with it.
  uint32_t active_term() const { return active_term_; }
  const Key* KeyForTerm(uint32_t term) const;  // nullptr if absent
  const std::map<uint32_t, Key>& keys() const { return keys_; }
  const RotationConfig& rotation_config() const { return rotation_; }

  std::string EncodeJson() const;
  // kCorruption on anything that is not an EncodedKeyring with a
  // kKeySize-byte root key and at least one valid key. Field names match
  // case-insensitively, as Go's encoding/json does.
  static Result<Keyring> DecodeJson(std::string_view json);

 private:
  std::string root_key_;
  std::map<uint32_t, Key> keys_;
  uint32_t active_term_ = 0;
  RotationConfig rotation_;
};

}  // namespace vk::barrier

#endif  // KIT_BARRIER_KEYRING_H_
