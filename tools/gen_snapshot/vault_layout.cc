#include "vault_layout.h"

#include <cstring>
#include <vector>

namespace vk::gen {

void Rng::Fill(std::string* out, size_t n) {
  size_t start = out->size();
  out->resize(start + n);
  char* p = out->data() + start;
  while (n >= 8) {
    uint64_t v = Next();
    std::memcpy(p, &v, 8);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t v = Next();
    std::memcpy(p, &v, n);
  }
}

void Rng::Hex(std::string* out, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i % 16 == 0) v = Next();
    out->push_back(kHex[v & 15]);
    v >>= 4;
  }
}

uint64_t Mix(uint64_t a, uint64_t b) {
  Rng r(a * 0x100000001b3ULL ^ b);
  r.Next();
  return r.Next();
}

uint64_t HashKey(uint64_t seed, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char c : key) h = (h ^ c) * 0x100000001b3ULL;
  return Mix(h, seed);
}

void AppendBarrierValue(Rng& rng, size_t body, std::string* out) {
  out->append("\x00\x00\x00\x01\x02", 5);  // key term 1, version 2 (AAD=path)
  rng.Fill(out, 12 + body + 16);           // nonce, ciphertext, GCM tag
}

namespace {

struct Section {
  const char* prefix;  // key prefix
  double share;        // fraction of the variable records
  size_t hex_digits;   // digits after the prefix; the first 16 count up
  size_t slash_after;  // KV v2 versions/<3 hex>/<rest>; 0 = no slash
  size_t value_min, value_max;  // ciphertext body sizes
  bool policies = false;        // the fixed sys/policy/<name> block
};

// Emitted in this order, so the prefixes must sort. A KV v2 mount has
// metadata/ and versions/ trees under its UUID; tokens and leases live
// under sys/.
const std::vector<Section>& Sections() {
  static const std::vector<Section> kSections = {
      {"logical/2f4e5c1a-8b0d-4e0f-9a8e-3c1d2b4a5f60/metadata/", 0.14, 40, 0,
       120, 420},
      {"logical/2f4e5c1a-8b0d-4e0f-9a8e-3c1d2b4a5f60/versions/", 0.30, 64, 3,
       180, 2400},
      {"logical/9c7a1e22-40f1-4b9e-8d3c-5e6f7a8b9c0d/metadata/", 0.05, 40, 0,
       120, 420},
      {"logical/9c7a1e22-40f1-4b9e-8d3c-5e6f7a8b9c0d/versions/", 0.11, 64, 3,
       180, 2400},
      {"sys/expire/id/auth/approle/login/h", 0.14, 64, 0, 400, 1300},
      {"sys/policy/", 0, 0, 0, 200, 900, true},
      {"sys/token/accessor/", 0.11, 40, 0, 110, 160},
      {"sys/token/id/h", 0.15, 64, 0, 320, 620},
  };
  return kSections;
}

const std::vector<const char*>& CoreKeys() {
  static const std::vector<const char*> kKeys = {
      "core/audit",
      "core/auth",
      "core/cluster/feature-flags",
      "core/cluster/local/info",
      "core/hsm/barrier-unseal-keys",
      "core/index-header-hmac-key",
      "core/keyring",
      "core/leader/",
      "core/local-audit",
      "core/local-auth",
      "core/local-mounts",
      "core/lock",
      "core/master",
      "core/mounts",
      "core/seal-config",
      "core/shamir-kek",
      "core/versions/1.15.6",
      "core/wrapping/jwtkey",
  };
  return kKeys;
}

const std::vector<const char*>& PolicyNames() {
  static const std::vector<const char*> kNames = {
      "backup",    "ci-deployer",       "default",       "kv-reader",
      "kv-writer", "response-wrapping", "root-rotation", "vaultkeep"};
  return kNames;
}

void EmitCore(
    uint64_t seed,
    const std::function<void(std::string_view, std::string_view)>& fn) {
  Rng rng(Mix(seed, 0xc0de));
  for (const char* k : CoreKeys()) {
    std::string key = k, value;
    if (key == "core/leader/") {
      key += "5e1f0c8a-7d2b-4c3e-9f1a-0b2c3d4e5f6a";
    }
    if (key == "core/seal-config") {
      value = R"({"type":"shamir","secret_shares":5,"secret_threshold":3,)"
              R"("pgp_keys":null,"nonce":"","backup":false,"stored_shares":1})";
    } else if (key == "core/hsm/barrier-unseal-keys") {
      value = "\x0a\x4c";  // BlobInfo{ciphertext: 76 bytes}
      rng.Fill(&value, 76);
      value += std::string("\x2a\x00", 2);
    } else if (key == "core/lock") {
      rng.Hex(&value, 36);
    } else {
      AppendBarrierValue(rng, 60 + rng.Below(900), &value);
    }
    fn(key, value);
  }
}

}  // namespace

double EstimatedRecordSize() {
  double total = 0;
  for (const auto& s : Sections()) {
    double key = std::strlen(s.prefix) + s.hex_digits + (s.slash_after ? 1 : 0);
    double value = 5 + 12 + 16 + (s.value_min + s.value_max) / 2.0;
    total += s.share * (key + value + 6);
  }
  return total;
}

void ForEachRecord(uint64_t seed, uint64_t records,
                   const std::function<void(std::string_view key,
                                            std::string_view value)>& fn) {
  static constexpr char kHex[] = "0123456789abcdef";
  EmitCore(seed, fn);
  std::string key, value;
  const auto& sections = Sections();
  for (size_t si = 0; si < sections.size(); ++si) {
    const Section& s = sections[si];
    Rng rng(Mix(seed, si + 1));
    if (s.policies) {
      for (const char* name : PolicyNames()) {
        key = std::string(s.prefix) + name;
        value.clear();
        AppendBarrierValue(
            rng, s.value_min + rng.Below(s.value_max - s.value_min), &value);
        fn(key, value);
      }
      continue;
    }
    uint64_t n = static_cast<uint64_t>(static_cast<double>(records) * s.share);
    if (n == 0) continue;
    // Sorted keys without sorting: the first 16 hex digits are a counter
    // that rises in random steps whose sum cannot pass 2^64.
    uint64_t step = std::max<uint64_t>(1, UINT64_MAX / (2 * (n + 1)));
    uint64_t counter = 0;
    for (uint64_t i = 0; i < n; ++i) {
      counter += 1 + rng.Below(2 * step - 1);
      key.assign(s.prefix);
      size_t start = key.size();
      for (int d = 15; d >= 0; --d)
        key.push_back(kHex[(counter >> (4 * d)) & 15]);
      rng.Hex(&key, s.hex_digits - 16);
      if (s.slash_after) {
        key.push_back(key.back());  // shift the tail right by one, then slash
        for (size_t i = key.size() - 2; i > start + s.slash_after; --i) {
          key[i] = key[i - 1];
        }
        key[start + s.slash_after] = '/';
      }
      value.clear();
      AppendBarrierValue(
          rng, s.value_min + rng.Below(s.value_max - s.value_min), &value);
      fn(key, value);
    }
  }
}

}  // namespace vk::gen
