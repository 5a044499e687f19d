#include "vaultkeep/repo/snapshot_file.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include "kit/base/time.h"
#include "vaultkeep/repo/go_quote.h"
#include "vaultkeep/repo/json_fields.h"

namespace vk::repo {
namespace {

using json_fields::Json;
using json_fields::OptionalId;
using json_fields::String;
using json_fields::Unsigned;

constexpr std::string_view kModeled[] = {
    "time",   "parent", "tree",     "paths", "hostname", "username",
    "uid",    "gid",    "excludes", "tags",  "original", "program_version",
    "summary"};

Status Bad(const std::string& why) {
  return Corruption("snapshot file: " + why);
}

void Key(std::string_view key, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  AppendGoJsonString(key, out);
  out->push_back(':');
}

void Strings(std::string_view key, const std::vector<std::string>& v,
             bool omit_empty, std::string* out) {
  if (omit_empty && v.empty()) return;
  Key(key, out);
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i != 0) out->push_back(',');
    AppendGoJsonString(v[i], out);
  }
  out->push_back(']');
}

// A list of strings; null counts as empty (Go decodes it to a nil slice).
bool StringList(const Json& o, const char* key, std::vector<std::string>* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  if (!it->is_array()) return false;
  for (const Json& s : *it) {
    if (!s.is_string()) return false;
    out->push_back(s.get<std::string>());
  }
  return true;
}

}  // namespace

std::string EncodeSnapshotFile(const SnapshotFile& s) {
  std::string out = "{";
  Key("time", &out);
  AppendGoJsonString(s.time, &out);
  if (s.parent) {
    Key("parent", &out);
    AppendGoJsonString(HexEncode(*s.parent), &out);
  }
  Key("tree", &out);
  AppendGoJsonString(HexEncode(s.tree), &out);
  Strings("paths", s.paths, false, &out);
  if (!s.hostname.empty()) {
    Key("hostname", &out);
    AppendGoJsonString(s.hostname, &out);
  }
  if (!s.username.empty()) {
    Key("username", &out);
    AppendGoJsonString(s.username, &out);
  }
  if (s.uid != 0) {
    Key("uid", &out);
    out += std::to_string(s.uid);
  }
  if (s.gid != 0) {
    Key("gid", &out);
    out += std::to_string(s.gid);
  }
  Strings("excludes", s.excludes, true, &out);
  Strings("tags", s.tags, true, &out);
  if (s.original) {
    Key("original", &out);
    AppendGoJsonString(HexEncode(*s.original), &out);
  }
  if (!s.program_version.empty()) {
    Key("program_version", &out);
    AppendGoJsonString(s.program_version, &out);
  }
  if (!s.summary.is_null()) {
    Key("summary", &out);
    AppendGoJson(s.summary, &out);
  }
  if (s.extra.is_object()) {
    for (const auto& [key, value] : s.extra.items()) {
      if (std::find(std::begin(kModeled), std::end(kModeled), key) !=
          std::end(kModeled)) {
        continue;  // a modeled field always wins
      }
      Key(key, &out);
      AppendGoJson(value, &out);
    }
  }
  out.push_back('}');
  return out;
}

Result<SnapshotFile> DecodeSnapshotFile(std::string_view text) try {
  // Parse errors come back as a discarded value; the catch below is a guard.
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");
  SnapshotFile s;
  if (!j.contains("time") || !String(j, "time", &s.time) ||
      !ParseRfc3339(s.time).ok()) {
    return Bad("missing or invalid time");
  }
  std::optional<Sha256Digest> tree;
  if (!OptionalId(j, "tree", &tree) || !tree) {
    return Bad("missing tree, or it is not 64 hex digits");
  }
  s.tree = *tree;
  if (!j.contains("paths") || !j["paths"].is_array() ||
      !StringList(j, "paths", &s.paths)) {
    return Bad("missing paths, or it is not a list of strings");
  }
  if (!OptionalId(j, "parent", &s.parent) ||
      !OptionalId(j, "original", &s.original)) {
    return Bad("parent or original is not 64 hex digits");
  }
  if (!String(j, "hostname", &s.hostname) ||
      !String(j, "username", &s.username) ||
      !String(j, "program_version", &s.program_version)) {
    return Bad("hostname, username or program_version is not a string");
  }
  if (!Unsigned(j, "uid", &s.uid) || !Unsigned(j, "gid", &s.gid)) {
    return Bad("uid or gid is not a 32-bit unsigned integer");
  }
  if (!StringList(j, "excludes", &s.excludes) ||
      !StringList(j, "tags", &s.tags)) {
    return Bad("excludes or tags is not a list of strings");
  }
  if (auto it = j.find("summary"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Bad("summary is not an object");
    s.summary = *it;
  }
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kModeled), std::end(kModeled), key) ==
        std::end(kModeled)) {
      s.extra[key] = value;
    }
  }
  return s;
} catch (const nlohmann::json::exception& e) {
  return Bad(e.what());
}

}  // namespace vk::repo
