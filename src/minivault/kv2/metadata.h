// The KV v2 records that live in the mount's storage (a secret's metadata and
// the engine config), their stored encoding, and the decoding of the settings
// a client may change (max_versions, cas_required, delete_version_after,
// custom_metadata) from a request body.
//
// Stored encoding of a secret's metadata (key `metadata/<path>`), JSON:
//   {"key":"a/b","created_time":"<RFC3339Nano>"|"","updated_time":...,
//    "current_version":3,"oldest_version":0,"max_versions":0,
//    "cas_required":false,"delete_version_after_seconds":0,
//    "custom_metadata":null|{"k":"v"},
//    "versions":{"1":{"created_time":"...","deletion_time":""|"...",
//                     "destroyed":false},...}}
// Engine config (key `config`), JSON:
//   {"max_versions":0,"cas_required":false,"delete_version_after_seconds":0}
// Times are kept as RFC 3339 text so a dump of the store stays readable; the
// nanosecond clock round-trips exactly through it.
#ifndef MINIVAULT_KV2_METADATA_H_
#define MINIVAULT_KV2_METADATA_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::kv2 {

using TimePoint = std::chrono::system_clock::time_point;

// Vault keeps this many versions when neither the key nor the config set
// max_versions.
inline constexpr uint32_t kDefaultMaxVersions = 10;

struct VersionMeta {
  TimePoint created_time{};
  // Set by a soft delete, or ahead of time by delete_version_after; the
  // version reads as deleted only once this time has passed.
  std::optional<TimePoint> deletion_time;
  bool destroyed = false;

  // Whether a read of this version gets no data (404 with metadata).
  bool Hidden(TimePoint now) const {
    return destroyed || (deletion_time && *deletion_time <= now);
  }
};

struct KeyMetadata {
  std::string key;
  std::optional<TimePoint> created_time;
  std::optional<TimePoint> updated_time;
  uint64_t current_version = 0;
  uint64_t oldest_version = 0;
  uint32_t max_versions = 0;  // 0: the config's, else kDefaultMaxVersions
  bool cas_required = false;
  std::chrono::seconds delete_version_after{0};  // 0: unset
  // Absent until a client sets it; reads then show null, as Vault does.
  std::optional<std::map<std::string, std::string>> custom_metadata;
  std::map<uint64_t, VersionMeta> versions;

  // Records version current_version+1 and slides Vault's window of kept
  // versions (the larger of the key's and the config's max_versions, or
  // kDefaultMaxVersions when both are 0). Returns the version numbers
  // dropped from `versions`, whose stored data the caller deletes.
  std::vector<uint64_t> AddVersion(TimePoint created,
                                   std::optional<TimePoint> deletion,
                                   uint32_t config_max_versions);
};

struct Config {
  uint32_t max_versions = 0;
  bool cas_required = false;
  std::chrono::seconds delete_version_after{0};
};

std::string EncodeMetadata(const KeyMetadata& meta);
// kCorruption if `text` is not a record EncodeMetadata wrote.
Result<KeyMetadata> DecodeMetadata(std::string_view text);
std::string EncodeConfig(const Config& config);
Result<Config> DecodeConfig(std::string_view text);

// The time of a version that is created now: creation plus the smaller
// non-zero delete_version_after of the config and the key, if any.
std::optional<TimePoint> DeletionTimeFor(TimePoint created,
                                         const Config& config,
                                         const KeyMetadata& meta);

// "" for no time, else RFC3339Nano in UTC: how Vault shows every KV time.
std::string FormatTime(const std::optional<TimePoint>& t);
// Go's time.Duration.String() for whole seconds: "0s", "30s", "1m30s",
// "1h0m0s".
std::string FormatGoDuration(std::chrono::seconds d);

// The settings a metadata or config write may carry; a field absent from
// the body stays nullopt.
struct Settings {
  std::optional<uint32_t> max_versions;
  std::optional<bool> cas_required;
  std::optional<std::chrono::seconds> delete_version_after;
  // For a patch, a null value means "remove this key" (std::nullopt here).
  std::optional<std::map<std::string, std::optional<std::string>>>
      custom_metadata;
  bool any() const {
    return max_versions || cas_required || delete_version_after ||
           custom_metadata;
  }
};

// Reads the settings from a request body, accepting the loose forms Vault's
// field parser takes (numbers or numeric strings, "true"/"false", durations
// as seconds or Go duration text like "1h30m"). kInvalidArgument, with a
// message fit for the client, on a wrong type, a negative value, or
// custom_metadata outside Vault's limits. A null custom_metadata counts as
// absent; `allow_null_custom` (patches) lets a null value inside it mark a
// key for removal.
Result<Settings> ParseSettings(const nlohmann::json& body,
                               bool allow_null_custom);

// Vault's loose integer: a JSON integer (or integral float) or a string of
// base-10 digits with an optional sign.
std::optional<int64_t> LooseInt(const nlohmann::json& v);

}  // namespace vk::kv2

#endif  // MINIVAULT_KV2_METADATA_H_
