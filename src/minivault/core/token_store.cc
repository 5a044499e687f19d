#include "minivault/core/token_store.h"

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "kit/base/time.h"
#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {
namespace {

std::string Base62(size_t n) {
  static constexpr char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
  while (out.size() < n) {
    std::string bytes = RandomBytes(n * 2);
    for (unsigned char c : bytes) {
      if (c < 248 && out.size() < n) out.push_back(kAlphabet[c % 62]);
    }
  }
  return out;
}

}  // namespace

std::string NewTokenId() {
  std::string id = "hvs.";
  id += Base62(24);
  return id;
}
std::string NewAccessor() { return Base62(24); }

nlohmann::json TokenEntry::ToJson() const {
  return {{"id", id},
          {"accessor", accessor},
          {"policies", policies},
          {"path", path},
          {"display_name", display_name},
          {"creation_time", creation_time},
          {"ttl", ttl},
          {"explicit_max_ttl", explicit_max_ttl},
          {"renewable", renewable},
          {"orphan", orphan},
          {"meta", meta}};
}

Result<TokenEntry> TokenEntry::FromJson(const nlohmann::json& j) {
  TokenEntry e;
  try {
    e.id = j.at("id").get<std::string>();
    e.accessor = j.at("accessor").get<std::string>();
    e.policies = j.at("policies").get<std::vector<std::string>>();
    e.path = j.at("path").get<std::string>();
    e.display_name = j.at("display_name").get<std::string>();
    e.creation_time = j.at("creation_time").get<int64_t>();
    e.ttl = j.at("ttl").get<int64_t>();
    e.explicit_max_ttl = j.value("explicit_max_ttl", int64_t{0});
    e.renewable = j.value("renewable", false);
    e.orphan = j.value("orphan", false);
    e.meta = j.value("meta", nlohmann::json());
  } catch (const nlohmann::json::exception&) {
    return Corruption("stored token entry is malformed");
  }
  return e;
}

Result<int64_t> ParseDurationSeconds(const nlohmann::json& value) {
  if (value.is_null()) return int64_t{0};
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    if (v < 0) return InvalidArgument("duration must not be negative");
    return v;
  }
  if (!value.is_string())
    return InvalidArgument("duration must be a string or a number");
  std::string s = value.get<std::string>();
  if (s.empty()) return int64_t{0};
  bool digits_only = true;
  for (char c : s)
    digits_only = digits_only && std::isdigit(static_cast<unsigned char>(c));
  if (digits_only) {
    if (s.size() > 12)
      return InvalidArgument("duration \"" + s + "\" is too large");
    return static_cast<int64_t>(std::strtoll(s.c_str(), nullptr, 10));
  }
  // Go duration syntax (h, m, s, ms, us, ns) plus Vault's "d".
  double total = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'))
      ++i;
    std::string number = s.substr(start, i - start);
    // strtod never throws; the checks make it see a plain decimal.
    if (number.empty() || number.size() > 12 ||
        number.find_first_of("0123456789") == std::string::npos ||
        number.find('.') != number.rfind('.'))
      return InvalidArgument("invalid duration \"" + s + "\"");
    double n = std::strtod(number.c_str(), nullptr);
    size_t us = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string unit = s.substr(us, i - us);
    double mul;
    if (unit == "d")
      mul = 86400;
    else if (unit == "h")
      mul = 3600;
    else if (unit == "m")
      mul = 60;
    else if (unit == "s")
      mul = 1;
    else if (unit == "ms")
      mul = 1e-3;
    else if (unit == "us" || unit == "µs")
      mul = 1e-6;
    else if (unit == "ns")
      mul = 1e-9;
    else
      return InvalidArgument("invalid duration \"" + s + "\"");
    total += n * mul;
  }
  if (total > 1e12)
    return InvalidArgument("duration \"" + s + "\" is too large");
  return static_cast<int64_t>(total);
}

std::string TokenStore::NewSalt() {
  return HexEncode(AsBytes(RandomBytes(32)));
}

std::string TokenStore::Hash(const std::string& salt, std::string_view value) {
  Sha256 h;
  h.Update(AsBytes(salt));
  h.Update(AsBytes(value));
  std::string out = "h";
  out += HexEncode(h.Finish());
  return out;
}

Result<std::string> TokenStore::Salt() {
  if (!salt_cache_.empty()) return salt_cache_;
  auto s = view_->Get(kSaltKey);
  if (!s.ok()) return s.status();
  if (!s.value()) return FailedPrecondition("token store salt is missing");
  salt_cache_ = *s.value();
  return salt_cache_;
}

Result<std::vector<std::pair<std::string, std::string>>>
TokenStore::EntriesToStore(const TokenEntry& entry,
                           const std::string& salt) const {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("id/" + Hash(salt, entry.id), entry.ToJson().dump());
  nlohmann::json acc = {{"token_id_hash", Hash(salt, entry.id)}};
  out.emplace_back("accessor/" + Hash(salt, entry.accessor), acc.dump());
  return out;
}

Status TokenStore::Create(const TokenEntry& entry) {
  auto salt = Salt();
  if (!salt.ok()) return salt.status();
  auto entries = EntriesToStore(entry, salt.value());
  if (!entries.ok()) return entries.status();
  for (const auto& [k, v] : entries.value()) {
    if (Status s = view_->Put(k, v); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::optional<TokenEntry>> TokenStore::Lookup(std::string_view id) {
  if (id.empty() || id.size() > 256) return std::optional<TokenEntry>();
  auto salt = Salt();
  if (!salt.ok()) return salt.status();
  std::string key = "id/" + Hash(salt.value(), id);
  auto raw = view_->Get(key);
  if (!raw.ok()) return raw.status();
  if (!raw.value()) return std::optional<TokenEntry>();
  nlohmann::json j =
      logical::ParseJsonOrDiscarded(*raw.value(), logical::kStoredJsonLimits);
  auto entry = TokenEntry::FromJson(j);
  if (!entry.ok()) return entry.status();
  if (entry.value().expired(UnixNow())) {
    (void)view_->Delete(key);
    (void)view_->Delete("accessor/" +
                        Hash(salt.value(), entry.value().accessor));
    return std::optional<TokenEntry>();
  }
  return std::optional<TokenEntry>(std::move(entry).value());
}

}  // namespace vk::minivault
