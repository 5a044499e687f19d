// Vault's token store, the subset minivault serves: service tokens with
// policies and a TTL, looked up by the token itself. Tokens are stored under
// sys/token/id/<salted hash> and sys/token/accessor/<salted hash> (never the
// token in a key), values barrier-encrypted, so a snapshot carries them and
// the original cluster's tokens work again after a restore, as in Vault.
#ifndef MINIVAULT_CORE_TOKEN_STORE_H_
#define MINIVAULT_CORE_TOKEN_STORE_H_

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "minivault/fsm/command.h"
#include "minivault/logical/logical.h"

namespace vk::minivault {

struct TokenEntry {
  std::string id;  // the secret token
  std::string accessor;
  std::vector<std::string> policies;  // sorted
  std::string path;                   // "auth/token/create", "auth/token/root"
  std::string display_name;
  int64_t creation_time = 0;  // unix seconds
  int64_t ttl = 0;            // seconds; 0 = never expires (root)
  int64_t explicit_max_ttl = 0;
  bool renewable = false;
  bool orphan = false;
  nlohmann::json meta;  // null or {string: string}

  bool expired(int64_t now) const {
    return ttl > 0 && now >= creation_time + ttl;
  }
  nlohmann::json ToJson() const;
  static Result<TokenEntry> FromJson(const nlohmann::json& j);
};

// Vault's format: "hvs." followed by 24 base62 characters.
std::string NewTokenId();
std::string NewAccessor();

// Parses Vault durations: integer seconds, or "1h30m", "10s", "2h", "1d"? (Go
// durations: h, m, s, ms; Vault also accepts "d"). InvalidArgument if bad.
Result<int64_t> ParseDurationSeconds(const nlohmann::json& value);

class TokenStore {
 public:
  // `view` is the barrier view rooted at "sys/token/".
  explicit TokenStore(logical::Storage* view) : view_(view) {}

  // The operations that create a token, to batch them into one command
  // (with the salt, at init). The salt is read from storage (created at
  // init); `salt` overrides it before it exists.
  Result<std::vector<std::pair<std::string, std::string>>> EntriesToStore(
      const TokenEntry& entry, const std::string& salt) const;
  Status Create(const TokenEntry& entry);
  // nullopt when unknown or expired (an expired token is also deleted).
  Result<std::optional<TokenEntry>> Lookup(std::string_view id);

  static std::string NewSalt();
  static constexpr std::string_view kSaltKey = "salt";

 private:
  Result<std::string> Salt();
  static std::string Hash(const std::string& salt, std::string_view value);

  logical::Storage* view_;
  std::string salt_cache_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_TOKEN_STORE_H_
