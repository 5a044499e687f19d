#include "vaultkeep/ops/key_check.h"

#include <algorithm>

#include "kit/base/strings.h"
#include "kit/crypto/sha256.h"
#include "kit/shamir/shamir.h"
#include "kit/snapshot/sealed.h"
#include "vaultkeep/ops/subsets.h"

namespace vk::ops {
namespace {

// Bound on the threshold-sized combinations tried while looking for one
// that opens the sealed hashes: C(10,5) = 252, C(20,10) = 184756. Clusters
// are initialised with a handful of shares; past the bound the keys count
// as unverified rather than failed.
constexpr long kMaxCombinations = 20000;

struct Share {
  std::string name;
  std::string bytes;  // secret
};

// The KEK `parts` give, or nullopt; shares with one x coordinate cannot
// combine.
std::optional<std::string> Kek(const std::vector<const Share*>& parts) {
  if (parts.size() == 1) return parts[0]->bytes;
  std::vector<std::string> raw;
  for (const Share* p : parts) raw.push_back(p->bytes);
  Result<std::string> k = shamir::Combine(raw);
  Wipe(raw);
  if (!k.ok() || k->size() != 32) return std::nullopt;
  return std::move(*k);
}

bool Opens(const std::vector<const Share*>& parts, const std::string& sealed) {
  std::optional<std::string> kek = Kek(parts);
  if (!kek) return false;
  bool ok = snapshot::OpenWithKek(*kek, sealed).ok();
  Wipe(*kek);
  return ok;
}

}  // namespace

Result<std::string> DecodeShare(std::string_view text) {
  Result<std::string> hex = HexDecode(text);
  if (hex.ok() && hex->size() >= 16 && hex->size() <= 33) return hex;
  if (hex.ok()) Wipe(*hex);
  Result<std::string> b64 = Base64Decode(text);
  if (b64.ok()) return b64;
  return InvalidArgument("not a valid hex or base64 string");
}

bool KeyCheck::usable() const {
  if (proof == KeyProof::kFailed) return false;
  if (threshold <= 0) return distinct > 0;
  return static_cast<int>(good.size()) >= threshold;
}

std::string KeyCheck::Summary() const {
  const std::string of = std::to_string(escrowed) + " escrowed";
  const std::string t = threshold > 0 ? "threshold " + std::to_string(threshold)
                                      : "threshold unknown";
  if (proof == KeyProof::kFailed) {
    return "no " + std::to_string(threshold) + " of the " +
           std::to_string(distinct) +
           " distinct valid unseal keys open the snapshot's "
           "SHA256SUMS.sealed (keys of another cluster, or rekeyed since)";
  }
  if (!usable()) {
    return std::to_string(distinct) + " distinct valid unseal key" +
           (distinct == 1 ? "" : "s") + " of " + of + ", " + t +
           ": too few to unseal";
  }
  if (proof == KeyProof::kOpened) {
    return std::to_string(good.size()) + " of " + of + " unseal keys proven (" +
           t + "): they open the snapshot's SHA256SUMS.sealed";
  }
  return std::to_string(distinct) + " distinct valid unseal keys of " + of +
         ", " + t + " (not proven: nothing to check them against)";
}

KeyCheck CheckUnsealKeys(const KeyCheckInput& in) {
  KeyCheck out;
  out.threshold = in.threshold;
  out.escrowed = static_cast<int>(in.shares.size());
  const size_t want = in.threshold == 1  ? 32
                      : in.threshold > 1 ? 33
                                         : 0;  // 0: any 16..33

  std::vector<Share> shares;  // distinct, valid, in the order given
  for (const NamedShare& n : in.shares) {
    Result<std::string> raw = DecodeShare(TrimSpace(n.value));
    if (!raw.ok()) {
      out.problems.push_back("key " + Quote(n.name) + " is " +
                             raw.status().message());
      out.bad.push_back(n.name);
      continue;
    }
    if ((want != 0 && raw->size() != want) ||
        (want == 0 && (raw->size() < 16 || raw->size() > 33))) {
      out.problems.push_back(
          "key " + Quote(n.name) + " decodes to " +
          std::to_string(raw->size()) + " bytes, not a share's " +
          (want != 0 ? std::to_string(want) : std::string("16 to 33")));
      out.bad.push_back(n.name);
      Wipe(*raw);
      continue;
    }
    auto same = std::find_if(shares.begin(), shares.end(),
                             [&](const Share& s) { return s.bytes == *raw; });
    if (same != shares.end()) {
      out.problems.push_back("key " + Quote(n.name) + " is the same share as " +
                             Quote(same->name) + " (counted once)");
      Wipe(*raw);
      continue;
    }
    shares.push_back({n.name, std::move(*raw)});
  }
  out.distinct = static_cast<int>(shares.size());
  auto finish = [&] {
    for (Share& s : shares) Wipe(s.bytes);
    return out;
  };

  const bool shamir = in.seal_type.empty() || in.seal_type == "shamir";
  const int t = in.threshold;
  if (!shamir || !in.sealed || in.sealed->empty() || t < 1 ||
      out.distinct < t) {
    for (const Share& s : shares) out.good.push_back(s.name);
    return finish();
  }
  // Find `t` shares that open the sealed hashes.
  const int m = out.distinct;
  std::vector<int> base;
  long budget = kMaxCombinations;
  bool found = ForEachSubset(m, t, &budget, [&](const std::vector<int>& idx) {
    std::vector<const Share*> parts;
    for (int i : idx) parts.push_back(&shares[i]);
    if (!Opens(parts, *in.sealed)) return false;
    base = idx;
    return true;
  });
  if (!found) {
    if (budget < 0) {  // gave up: too many shares to try them all
      for (const Share& s : shares) out.good.push_back(s.name);
      return finish();
    }
    out.proof = KeyProof::kFailed;
    return finish();
  }
  out.proof = KeyProof::kOpened;
  for (int i : base) out.good.push_back(shares[i].name);
  for (int i = 0; i < m; ++i) {
    if (std::find(base.begin(), base.end(), i) != base.end()) continue;
    std::vector<const Share*> parts;
    for (int j = 0; j + 1 < t; ++j) parts.push_back(&shares[base[j]]);
    parts.push_back(&shares[i]);
    if (Opens(parts, *in.sealed)) {
      out.good.push_back(shares[i].name);
    } else {
      out.problems.push_back("key " + Quote(shares[i].name) +
                             " does not combine with the others to open the "
                             "snapshot (a share of another cluster, or from "
                             "before a rekey)");
      out.bad.push_back(shares[i].name);
    }
  }
  return finish();
}

}  // namespace vk::ops
