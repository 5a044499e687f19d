// restic key files (`keys/<id>`, plain JSON; restic-format.md §A.2): a
// password-derived key (scrypt, 64-byte salt, parameters stored per file)
// wraps the repository's master key. Several key files may wrap the same
// master key. The file's ID is the SHA-256 of its JSON bytes.
#ifndef VAULTKEEP_REPO_KEY_FILE_H_
#define VAULTKEEP_REPO_KEY_FILE_H_

#include <string>

#include "kit/base/result.h"
#include "kit/crypto/restic_crypto.h"

namespace vk::repo {

inline constexpr size_t kSaltSize = 64;

struct KeyFile {
  std::string created;  // RFC 3339
  std::string username;
  std::string hostname;
  std::string kdf = "scrypt";
  crypto::ScryptParams params;
  std::string salt;  // kSaltSize bytes
  std::string data;  // sealed master key JSON
};

// Field order as restic writes it: created, username, hostname, kdf, N, r,
// p, salt, data.
std::string EncodeKeyFile(const KeyFile& key);
Result<KeyFile> ParseKeyFile(std::string_view json);

// Seals `master` under a key derived from `password` with a fresh salt.
Result<KeyFile> WrapMasterKey(const crypto::ResticKey& master,
                              std::string_view password,
                              crypto::ScryptParams params, KeyFile identity);
// kPermissionDenied if the password does not open this key file.
Result<crypto::ResticKey> UnwrapMasterKey(const KeyFile& key,
                                          std::string_view password);

// The master key as restic serializes it:
// {"mac":{"k":"<b64 16>","r":"<b64 16>"},"encrypt":"<b64 32>"}.
std::string EncodeMasterKey(const crypto::ResticKey& key);
Result<crypto::ResticKey> ParseMasterKey(std::string_view json);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_KEY_FILE_H_
