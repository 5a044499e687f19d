// Checking escrowed unseal keys offline, before anyone relies on them.
//
// A backup is only as good as the keys that open it: a garbage file, a key
// of another cluster, a duplicate or one share too few is found at restore
// time otherwise, in the middle of an outage, with the target's key store
// already overwritten. CheckUnsealKeys finds all of it while the snapshot
// is at hand:
//  1. each key is decoded as Vault's sys/unseal decodes it (hex when that
//     gives 16..33 bytes, else standard base64) and must have a share's
//     length (33 bytes: a 32-byte KEK plus the x coordinate; 32 when the
//     threshold is 1 and the "share" is the key itself);
//  2. identical shares count once (hex and base64 of one share are one);
//  3. with the snapshot's SHA256SUMS.sealed (a Shamir seal seals it with
//     the KEK), `threshold` distinct shares must combine to a key that
//     opens it: the proof that these keys unseal this snapshot. Each other
//     share is then tried with threshold-1 proven ones, so a share of
//     another cluster is named. Without sealed hashes (or for an
//     auto-unseal cluster) only 1 and 2 can be checked.
// Nothing here prints or returns a key's value; names identify the keys.
#ifndef VAULTKEEP_OPS_KEY_CHECK_H_
#define VAULTKEEP_OPS_KEY_CHECK_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::ops {

// An unseal key as escrowed: its file (or Secret key) name and its text.
struct NamedShare {
  std::string name;
  std::string value;  // secret
};

// sys/unseal's decoding: hex when it gives 16..33 bytes, else standard
// base64 with padding. kInvalidArgument (never quoting the text) if
// neither applies.
Result<std::string> DecodeShare(std::string_view text);

enum class KeyProof {
  kOpened,      // `threshold` shares opened the snapshot's sealed hashes
  kUnverified,  // nothing to check the shares against
  kFailed,      // no combination of the valid shares opens them
};

struct KeyCheck {
  int threshold = 0;  // 0: unknown
  int escrowed = 0;   // keys given
  int distinct = 0;   // distinct valid shares
  KeyProof proof = KeyProof::kUnverified;
  // Names of the shares to use, best first: proven ones when proof is
  // kOpened, else every distinct valid share in the order given.
  std::vector<std::string> good;
  // One sentence each, naming the key: malformed, duplicate, foreign.
  std::vector<std::string> problems;
  // Names of keys that must not be submitted (malformed or foreign).
  std::vector<std::string> bad;

  // Whether these keys can unseal the snapshot: enough distinct valid
  // shares and no failed proof (an unknown threshold is not held against
  // them).
  bool usable() const;
  // Usable or not, the key store holds a key that is malformed, a
  // duplicate or of another cluster: it needs fixing before the next
  // failure makes the keys unusable.
  bool degraded() const { return !problems.empty(); }
  // "4 of 5 escrowed unseal keys proven (threshold 3): they open the
  // snapshot's SHA256SUMS.sealed", or why they cannot unseal it.
  std::string Summary() const;
};

struct KeyCheckInput {
  std::vector<NamedShare> shares;
  int threshold = 0;      // the seal's secret_threshold; 0: unknown
  std::string seal_type;  // "shamir" or empty (assumed Shamir), else skipped
  // The snapshot's SHA256SUMS.sealed bytes, when known.
  std::optional<std::string> sealed;
};

KeyCheck CheckUnsealKeys(const KeyCheckInput& input);

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_KEY_CHECK_H_
