#include "vaultkeep/repo/config.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "vaultkeep/repo/polynomial.h"

namespace vk::repo {

std::string EncodeConfig(const RepoConfig& c) {
  char poly[32];
  std::snprintf(poly, sizeof(poly), "%llx",
                static_cast<unsigned long long>(c.chunker_polynomial));
  nlohmann::ordered_json j;
  j["version"] = c.version;
  j["id"] = c.id;
  j["chunker_polynomial"] = poly;
  return j.dump();
}

Result<RepoConfig> ParseConfig(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("repository config is not a JSON object");
  }
  RepoConfig c;
  if (!j.contains("version") || !j["version"].is_number_integer()) {
    return Corruption("repository config has no version");
  }
  c.version = j["version"].get<int>();
  if (c.version < kMinRepoVersion || c.version > kMaxRepoVersion) {
    return Corruption("unsupported repository version " +
                      std::to_string(c.version) + " (supported: 1 and 2)");
  }
  if (!j.contains("id") || !j["id"].is_string() ||
      j["id"].get<std::string>().empty()) {
    return Corruption("repository config has no id");
  }
  c.id = j["id"].get<std::string>();
  if (!j.contains("chunker_polynomial") ||
      !j["chunker_polynomial"].is_string()) {
    return Corruption("repository config has no chunker polynomial");
  }
  std::string poly = j["chunker_polynomial"].get<std::string>();
  char* end = nullptr;
  c.chunker_polynomial = std::strtoull(poly.c_str(), &end, 16);
  if (poly.empty() || *end != '\0' || !PolyIrreducible(c.chunker_polynomial)) {
    return Corruption("invalid chunker polynomial \"" + poly +
                      "\" in repository config");
  }
  return c;
}

}  // namespace vk::repo
