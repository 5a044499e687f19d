#include "minivault/kv2/metadata.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "minivault/logical/json_limits.h"

namespace vk::kv2 {
namespace {

using Json = nlohmann::json;

// Vault's limits on custom_metadata (path_metadata.go).
constexpr size_t kMaxCustomKeys = 64;
constexpr size_t kMaxCustomKeyLength = 128;
constexpr size_t kMaxCustomValueLength = 512;
constexpr char kCustomPrefix[] = "custom_metadata validation failed";

// Upper bound for durations, so seconds * 1e9 fits the nanosecond clock.
constexpr int64_t kMaxDurationSeconds = int64_t{9'000'000'000};

Json TimeJson(const std::optional<TimePoint>& t) { return FormatTime(t); }

// "" is no time; anything else must parse.
Result<std::optional<TimePoint>> ParseTimeField(const Json& v) {
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return std::optional<TimePoint>();
  VK_ASSIGN_OR_RETURN(TimePoint t, ParseRfc3339(s));
  return std::optional<TimePoint>(t);
}

// Go's strconv.ParseBool, which Vault's field parser uses for strings.
std::optional<bool> LooseBool(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (!v.is_string()) return std::nullopt;
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" ||
      s == "True") {
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" ||
      s == "False") {
    return false;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseDecimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

// Go's time.ParseDuration ("1h30m", "1.5s", "300ms"), truncated to whole
// seconds as Vault's duration-in-seconds fields do.
std::optional<int64_t> ParseGoDurationSeconds(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  static const std::pair<std::string_view, long double> kUnits[] = {
      {"ns", 1e-9L}, {"us", 1e-6L}, {"\xC2\xB5s", 1e-6L}, {"\xCE\xBCs", 1e-6L},
      {"ms", 1e-3L}, {"s", 1.0L},   {"m", 60.0L},         {"h", 3600.0L}};
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i++] - '0');
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i++] - '0') * scale;
        scale /= 10;
        digits = true;
      }
    }
    if (!digits) return std::nullopt;
    s.remove_prefix(i);
    size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' &&
           (s[unit_len] < '0' || s[unit_len] > '9')) {
      ++unit_len;
    }
    std::string_view unit = s.substr(0, unit_len);
    auto it = std::find_if(std::begin(kUnits), std::end(kUnits),
                           [&](const auto& u) { return u.first == unit; });
    if (it == std::end(kUnits)) return std::nullopt;
    total += value * it->second;
    if (total > static_cast<long double>(kMaxDurationSeconds)) {
      return std::nullopt;
    }
    s.remove_prefix(unit_len);
  }
  auto secs = static_cast<int64_t>(total);  // truncates, like Go's division
  return neg ? -secs : secs;
}

// Vault's duration-in-seconds field: a number of seconds, a string of
// seconds, "<n>d" for days, or Go duration text.
std::optional<int64_t> LooseDurationSeconds(const Json& v) {
  if (!v.is_string()) return LooseInt(v);
  std::string_view s = v.get_ref<const std::string&>();
  if (s.empty()) return 0;
  if (auto n = ParseDecimal(s)) return n;
  if (s.back() == 'd') {
    auto days = ParseDecimal(s.substr(0, s.size() - 1));
    if (!days || std::abs(*days) > kMaxDurationSeconds / 86400) {
      return std::nullopt;
    }
    return *days * 86400;
  }
  return ParseGoDurationSeconds(s);
}

bool Printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Result<std::map<std::string, std::optional<std::string>>> ParseCustom(
    const Json& v, bool allow_null) {
  auto fail = [](std::string why) {
    return InvalidArgument(std::string(kCustomPrefix) + ": " + why);
  };
  if (!v.is_object()) return fail("custom_metadata must be an object");
  if (v.size() > kMaxCustomKeys) {
    return fail("payload must contain at most " +
                std::to_string(kMaxCustomKeys) + " keys, provided " +
                std::to_string(v.size()));
  }
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& [key, raw] : v.items()) {
    if (key.empty() || key.size() > kMaxCustomKeyLength) {
      return fail("length of key " + Quote(key) + " is " +
                  std::to_string(key.size()) + " but must be 0 < len(key) <= " +
                  std::to_string(kMaxCustomKeyLength));
    }
    if (!Printable(key)) return fail("a key contains unprintable characters");
    if (raw.is_null() && allow_null) {
      out[key] = std::nullopt;
      continue;
    }
    std::string value;
    if (raw.is_string()) {
      value = raw.get<std::string>();
    } else if (raw.is_number() || raw.is_null()) {
      value = raw.is_null() ? "" : raw.dump();
    } else {
      return fail("the value of a key is not a string");
    }
    if (value.empty() || value.size() > kMaxCustomValueLength) {
      return fail("length of a value is " + std::to_string(value.size()) +
                  " but must be 0 < len(value) <= " +
                  std::to_string(kMaxCustomValueLength));
    }
    if (!Printable(value)) {
      return fail("a value contains unprintable characters");
    }
    out[key] = std::move(value);
  }
  return out;
}

}  // namespace

std::vector<uint64_t> KeyMetadata::AddVersion(TimePoint created,
                                              std::optional<TimePoint> deletion,
                                              uint32_t config_max_versions) {
  ++current_version;
  versions[current_version] =
      VersionMeta{.created_time = created, .deletion_time = deletion};
  updated_time = created;
  if (!created_time) created_time = created;
  uint64_t keep = std::max(max_versions, config_max_versions);
  if (keep == 0) keep = kDefaultMaxVersions;
  std::vector<uint64_t> dropped;
  // Vault's window: oldest_version stays 0 until the first prune.
  if (current_version - oldest_version >= keep) {
    uint64_t last = current_version - keep;
    for (uint64_t v = oldest_version; v <= last; ++v) {
      if (versions.erase(v) > 0) dropped.push_back(v);
    }
    oldest_version = last + 1;
  }
  return dropped;
}

std::string FormatTime(const std::optional<TimePoint>& t) {
  return t ? FormatRfc3339(*t) : std::string();
}

std::string FormatGoDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  std::string sign;
  if (s < 0) {
    sign = "-";
    s = -s;
  }
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h";
  if (s >= 60) out += std::to_string(s / 60 % 60) + "m";
  out += std::to_string(s % 60) + "s";
  return sign + out;
}

std::optional<TimePoint> DeletionTimeFor(TimePoint created,
                                         const Config& config,
                                         const KeyMetadata& meta) {
  auto a = config.delete_version_after;
  auto b = meta.delete_version_after;
  std::chrono::seconds d{0};
  if (a.count() > 0 && b.count() > 0) {
    d = std::min(a, b);
  } else {
    d = std::max(a, b);
  }
  if (d.count() <= 0) return std::nullopt;
  return created + d;
}

std::string EncodeMetadata(const KeyMetadata& meta) {
  Json versions = Json::object();
  for (const auto& [n, v] : meta.versions) {
    versions[std::to_string(n)] = {{"created_time", FormatTime(v.created_time)},
                                   {"deletion_time", TimeJson(v.deletion_time)},
                                   {"destroyed", v.destroyed}};
  }
  Json custom = nullptr;
  if (meta.custom_metadata) custom = *meta.custom_metadata;
  Json j = {{"key", meta.key},
            {"created_time", TimeJson(meta.created_time)},
            {"updated_time", TimeJson(meta.updated_time)},
            {"current_version", meta.current_version},
            {"oldest_version", meta.oldest_version},
            {"max_versions", meta.max_versions},
            {"cas_required", meta.cas_required},
            {"delete_version_after_seconds", meta.delete_version_after.count()},
            {"custom_metadata", std::move(custom)},
            {"versions", std::move(versions)}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<KeyMetadata> DecodeMetadata(std::string_view text) {
  Json j = logical::ParseJsonOrDiscarded(text, logical::kStoredJsonLimits);
  if (!j.is_object()) return Corruption("kv2 metadata record is not JSON");
  try {
    KeyMetadata m;
    m.key = j.at("key").get<std::string>();
    VK_ASSIGN_OR_RETURN(m.created_time, ParseTimeField(j.at("created_time")));
    VK_ASSIGN_OR_RETURN(m.updated_time, ParseTimeField(j.at("updated_time")));
    m.current_version = j.at("current_version").get<uint64_t>();
    m.oldest_version = j.at("oldest_version").get<uint64_t>();
    m.max_versions = j.at("max_versions").get<uint32_t>();
    m.cas_required = j.at("cas_required").get<bool>();
    m.delete_version_after = std::chrono::seconds(
        j.at("delete_version_after_seconds").get<int64_t>());
    const Json& custom = j.at("custom_metadata");
    if (!custom.is_null()) {
      m.custom_metadata = custom.get<std::map<std::string, std::string>>();
    }
    for (const auto& [n, v] : j.at("versions").items()) {
      auto num = ParseDecimal(n);
      if (!num || *num <= 0) return Corruption("kv2 metadata: bad version");
      VersionMeta vm;
      VK_ASSIGN_OR_RETURN(auto created, ParseTimeField(v.at("created_time")));
      if (!created) return Corruption("kv2 metadata: version without time");
      vm.created_time = *created;
      VK_ASSIGN_OR_RETURN(vm.deletion_time,
                          ParseTimeField(v.at("deletion_time")));
      vm.destroyed = v.at("destroyed").get<bool>();
      m.versions[static_cast<uint64_t>(*num)] = vm;
    }
    return m;
  } catch (const Json::exception&) {
    return Corruption("kv2 metadata record has a missing or mistyped field");
  }
}

std::string EncodeConfig(const Config& config) {
  Json j = {
      {"max_versions", config.max_versions},
      {"cas_required", config.cas_required},
      {"delete_version_after_seconds", config.delete_version_after.count()}};
  return j.dump();
}

Result<Config> DecodeConfig(std::string_view text) {
  Json j = logical::ParseJsonOrDiscarded(text, logical::kStoredJsonLimits);
  if (!j.is_object()) return Corruption("kv2 config record is not JSON");
  try {
    Config c;
    c.max_versions = j.at("max_versions").get<uint32_t>();
    c.cas_required = j.at("cas_required").get<bool>();
    c.delete_version_after = std::chrono::seconds(
        j.at("delete_version_after_seconds").get<int64_t>());
    return c;
  } catch (const Json::exception&) {
    return Corruption("kv2 config record has a missing or mistyped field");
  }
}

std::optional<int64_t> LooseInt(const Json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() &&
        v.get<uint64_t>() >
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return v.get<int64_t>();
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d) || std::abs(d) > 9e15) {
      return std::nullopt;
    }
    return static_cast<int64_t>(d);
  }
  if (v.is_string()) return ParseDecimal(v.get_ref<const std::string&>());
  return std::nullopt;
}

Result<Settings> ParseSettings(const Json& body, bool allow_null_custom) {
  Settings s;
  if (!body.is_object()) return s;
  if (auto it = body.find("max_versions"); it != body.end()) {
    auto n = LooseInt(*it);
    if (!n || *n < 0 || *n > std::numeric_limits<uint32_t>::max()) {
      return InvalidArgument("max_versions must be a non-negative integer");
    }
    s.max_versions = static_cast<uint32_t>(*n);
  }
  if (auto it = body.find("cas_required"); it != body.end()) {
    auto b = LooseBool(*it);
    if (!b) return InvalidArgument("cas_required must be a boolean");
    s.cas_required = *b;
  }
  if (auto it = body.find("delete_version_after"); it != body.end()) {
    auto secs = LooseDurationSeconds(*it);
    if (!secs || std::abs(*secs) > kMaxDurationSeconds) {
      return InvalidArgument(
          "delete_version_after must be a duration such as \"1h30m\" or a "
          "number of seconds");
    }
    if (*secs < 0) {
      return InvalidArgument("delete_version_after must not be negative");
    }
    s.delete_version_after = std::chrono::seconds(*secs);
  }
  // A null custom_metadata counts as absent (Vault's field parser drops it).
  if (auto it = body.find("custom_metadata");
      it != body.end() && !it->is_null()) {
    VK_ASSIGN_OR_RETURN(s.custom_metadata, ParseCustom(*it, allow_null_custom));
  }
  return s;
}

}  // namespace vk::kv2
