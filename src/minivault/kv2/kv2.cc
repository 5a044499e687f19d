#include "minivault/kv2/kv2.h"

#include <string>
#include <utility>
#include <vector>

#include "kit/crypto/sha256.h"
#include "minivault/logical/json_limits.h"

namespace vk::kv2 {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using Json = nlohmann::json;

// Vault's texts for a path no route matches and an operation a route lacks
// (go-multierror formatting of logical.ErrUnsupportedPath/Operation).
constexpr char kUnsupportedPath[] =
    "1 error occurred:\n\t* unsupported path\n\n";
constexpr char kUnsupportedOperation[] =
    "1 error occurred:\n\t* unsupported operation\n\n";
constexpr char kCasMismatch[] =
    "check-and-set parameter did not match the current version";
constexpr char kCasRequired[] =
    "check-and-set parameter required for this call";

constexpr std::string_view kMetadataPrefix = "metadata/";

Response BadRequest(std::string message) {
  return Response::Error(400, std::move(message));
}
Response Unsupported() { return Response::Error(405, kUnsupportedOperation); }
Response Internal(const Status& s) { return Response::Error(500, s.message()); }

bool IsWrite(Operation op) {
  return op == Operation::kCreate || op == Operation::kUpdate;
}

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The reason `name` is not a valid secret name, or nullopt.
std::optional<std::string> CheckName(std::string_view name) {
  if (name.empty()) return "missing path";
  if (name.back() == '/') return "path must not end in '/'";
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view seg = name.substr(start, end - start);
    if (seg.empty()) return "path must not contain empty segments";
    if (seg == "." || seg == "..") {
      return "path must not contain '.' or '..' segments";
    }
    start = end + 1;
  }
  return std::nullopt;
}

// The secret name after `prefix`, if `path` starts with it.
std::optional<std::string> After(std::string_view path,
                                 std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  return std::string(path.substr(prefix.size()));
}

Json CustomJson(const KeyMetadata& meta) {
  if (!meta.custom_metadata) return nullptr;
  return *meta.custom_metadata;
}

// The per-version metadata Vault shows with data reads and writes.
Json VersionJson(const KeyMetadata& meta, uint64_t version,
                 const VersionMeta& vm) {
  return {{"created_time", FormatTime(vm.created_time)},
          {"custom_metadata", CustomJson(meta)},
          {"deletion_time", FormatTime(vm.deletion_time)},
          {"destroyed", vm.destroyed},
          {"version", version}};
}

// Vault's check-and-set rule: a given cas must equal the current version (0
// for a secret without versions); without one, neither the config nor the
// key may require it.
std::optional<std::string> CheckCas(const Json& body, const Config& config,
                                    const KeyMetadata& meta) {
  const Json* cas = nullptr;
  if (auto it = body.find("options"); it != body.end() && it->is_object()) {
    if (auto c = it->find("cas"); c != it->end()) cas = &*c;
  }
  if (cas != nullptr) {
    auto n = LooseInt(*cas);
    if (!n) return "error parsing check-and-set parameter";
    if (*n < 0 || static_cast<uint64_t>(*n) != meta.current_version) {
      return kCasMismatch;
    }
    return std::nullopt;
  }
  if (config.cas_required || meta.cas_required) return kCasRequired;
  return std::nullopt;
}

// The shape checks every data write or patch shares.
std::optional<std::string> CheckDataBody(const Json& body) {
  if (!body.is_object()) return "request body must be a JSON object";
  auto data = body.find("data");
  if (data == body.end() || data->is_null()) return "no data provided";
  if (!data->is_object()) return "data must be a JSON object";
  auto options = body.find("options");
  if (options != body.end() && !options->is_null() && !options->is_object()) {
    return "options must be a JSON object";
  }
  return std::nullopt;
}

// Vault's comma-int-slice: [1,2], ["1","2"], "1,2" or 3.
std::optional<std::vector<uint64_t>> ParseVersions(const Json& body) {
  std::vector<uint64_t> out;
  if (!body.is_object()) return out;
  auto it = body.find("versions");
  if (it == body.end() || it->is_null()) return out;
  auto add = [&out](const Json& v) {
    auto n = LooseInt(v);
    if (!n || *n < 0) return false;
    out.push_back(static_cast<uint64_t>(*n));
    return true;
  };
  if (it->is_array()) {
    for (const Json& v : *it) {
      if (!add(v)) return std::nullopt;
    }
  } else if (it->is_string()) {
    std::string_view s = it->get_ref<const std::string&>();
    while (!s.empty()) {
      size_t comma = s.find(',');
      std::string part(s.substr(0, comma));
      part.erase(0, part.find_first_not_of(' '));
      part.erase(part.find_last_not_of(' ') + 1);
      if (!add(Json(part))) return std::nullopt;
      s = comma == std::string_view::npos ? "" : s.substr(comma + 1);
    }
  } else if (!add(*it)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string VersionKey(std::string_view name, uint64_t version) {
  return "versions/" + HexEncode(Sha256::Of(AsBytes(name))) + "/" +
         std::to_string(version);
}

Engine::Engine(logical::Storage* storage, Clock now)
    : storage_(storage), now_(std::move(now)) {}

Result<Operation> Engine::ResolveWriteOperation(std::string_view path) {
  auto name = After(path, "data/");
  if (!name) name = After(path, kMetadataPrefix);
  if (!name || CheckName(*name)) return Operation::kUpdate;
  VK_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*name));
  return meta ? Operation::kUpdate : Operation::kCreate;
}

Response Engine::Handle(const Request& req) {
  try {
    return Dispatch(req);
  } catch (const std::exception&) {
    // A backstop: every JSON access is checked, so this means a bug.
    return Response::Error(500, "internal error in the kv-v2 engine");
  }
}

Response Engine::Dispatch(const Request& req) {
  const std::string& path = req.path;
  const Json& body = req.data;
  Operation op = req.op;
  if (path == "config") {
    if (op == Operation::kRead) return ReadConfig();
    if (IsWrite(op)) return WriteConfig(body);
    return Unsupported();
  }
  if (path == "metadata" || path.starts_with(kMetadataPrefix)) {
    std::string rest = path.size() > kMetadataPrefix.size()
                           ? *After(path, kMetadataPrefix)
                           : "";
    if (op == Operation::kList) return ListMetadata(std::move(rest));
    if (path == "metadata") return Unsupported();
    if (auto bad = CheckName(rest)) return BadRequest(*bad);
    switch (op) {
      case Operation::kRead:
        return ReadMetadata(rest);
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteMetadata(rest, body, /*patch=*/false);
      case Operation::kPatch:
        return WriteMetadata(rest, body, /*patch=*/true);
      case Operation::kDelete:
        return DeleteMetadata(rest);
      default:
        return Unsupported();
    }
  }
  if (auto name = After(path, "data/")) {
    if (auto bad = CheckName(*name)) return BadRequest(*bad);
    switch (op) {
      case Operation::kRead:
        return ReadData(*name, req);
      case Operation::kCreate:
      case Operation::kUpdate:
        return WriteData(*name, body);
      case Operation::kPatch:
        return PatchData(*name, body);
      case Operation::kDelete:
        return DeleteLatest(*name);
      default:
        return Unsupported();
    }
  }
  for (std::string_view action : {"delete", "undelete", "destroy"}) {
    auto name = After(path, std::string(action) + "/");
    if (!name) continue;
    if (auto bad = CheckName(*name)) return BadRequest(*bad);
    if (!IsWrite(op)) return Unsupported();
    return ChangeVersions(action, *name, body);
  }
  return Response::Error(404, kUnsupportedPath);
}

Response Engine::ReadData(const std::string& name, const Request& req) {
  int64_t wanted = 0;
  if (auto q = req.query.find("version"); q != req.query.end()) {
    auto n = LooseInt(Json(q->second));
    if (!n) return BadRequest("version must be an integer");
    wanted = *n;
  } else if (req.data.is_object()) {
    if (auto v = req.data.find("version"); v != req.data.end()) {
      auto n = LooseInt(*v);
      if (!n) return BadRequest("version must be an integer");
      wanted = *n;
    }
  }
  auto meta = LoadMetadata(name);
  if (!meta.ok()) return Internal(meta.status());
  if (!*meta) return Response::NotFound();
  const KeyMetadata& m = **meta;
  // Like Vault, 0 or a negative version means the latest.
  uint64_t version =
      wanted > 0 ? static_cast<uint64_t>(wanted) : m.current_version;
  auto vm = m.versions.find(version);
  if (vm == m.versions.end()) return Response::NotFound();
  Json out = {{"data", nullptr},
              {"metadata", VersionJson(m, version, vm->second)}};
  if (vm->second.Hidden(now_())) {
    Response r = Response::Data(std::move(out));
    r.status = 404;
    return r;
  }
  auto data = LoadVersionData(name, version);
  if (!data.ok()) return Internal(data.status());
  out["data"] = std::move(*data);
  return Response::Data(std::move(out));
}

Response Engine::WriteData(const std::string& name, const Json& body) {
  if (auto bad = CheckDataBody(body)) return BadRequest(*bad);
  auto config = LoadConfig();
  if (!config.ok()) return Internal(config.status());
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  KeyMetadata meta;
  if (*loaded) {
    meta = std::move(**loaded);
  } else {
    meta.key = name;
  }
  if (auto bad = CheckCas(body, *config, meta)) return BadRequest(*bad);
  return PutVersion(std::move(meta), *config, body.at("data"));
}

Response Engine::PatchData(const std::string& name, const Json& body) {
  if (auto bad = CheckDataBody(body)) return BadRequest(*bad);
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (!*loaded) return Response::NotFound();
  KeyMetadata meta = std::move(**loaded);
  auto config = LoadConfig();
  if (!config.ok()) return Internal(config.status());
  if (auto bad = CheckCas(body, *config, meta)) return BadRequest(*bad);
  auto vm = meta.versions.find(meta.current_version);
  if (vm == meta.versions.end()) return Response::NotFound();
  if (vm->second.Hidden(now_())) {
    Response r = Response::Data(VersionJson(meta, vm->first, vm->second));
    r.status = 404;
    return r;
  }
  auto data = LoadVersionData(name, meta.current_version);
  if (!data.ok()) return Internal(data.status());
  Json merged = std::move(*data);
  merged.merge_patch(body.at("data"));  // RFC 7386, as Vault's patch applies
  return PutVersion(std::move(meta), *config, merged);
}

Response Engine::PutVersion(KeyMetadata meta, const Config& config,
                            const Json& data) {
  TimePoint now = now_();
  uint64_t version = meta.current_version + 1;
  Status put =
      storage_->Put(VersionKey(meta.key, version), Dump(Json{{"data", data}}));
  if (!put.ok()) return Internal(put);
  std::vector<uint64_t> dropped = meta.AddVersion(
      now, DeletionTimeFor(now, config, meta), config.max_versions);
  if (Status s = StoreMetadata(meta); !s.ok()) return Internal(s);
  Response r =
      Response::Data(VersionJson(meta, version, meta.versions.at(version)));
  for (uint64_t old : dropped) {
    // The metadata no longer names these; a leftover record is harmless
    // garbage, so a failure here is a warning, as in Vault.
    if (!storage_->Delete(VersionKey(meta.key, old)).ok()) {
      r.warnings.push_back("could not remove an old version's data");
      break;
    }
  }
  return r;
}

Response Engine::DeleteLatest(const std::string& name) {
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (!*loaded) return Response::NoContent();
  KeyMetadata& meta = **loaded;
  auto vm = meta.versions.find(meta.current_version);
  TimePoint now = now_();
  if (vm == meta.versions.end() || vm->second.Hidden(now)) {
    return Response::NoContent();
  }
  vm->second.deletion_time = now;
  if (Status s = StoreMetadata(meta); !s.ok()) return Internal(s);
  return Response::NoContent();
}

Response Engine::ChangeVersions(std::string_view action,
                                const std::string& name, const Json& body) {
  auto versions = ParseVersions(body);
  if (!versions) {
    return BadRequest("versions must be a list of version numbers");
  }
  if (versions->empty()) return BadRequest("no version number provided");
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (!*loaded) return Response::NoContent();
  KeyMetadata& meta = **loaded;
  TimePoint now = now_();
  std::vector<uint64_t> destroyed;
  bool changed = false;
  for (uint64_t v : *versions) {
    auto it = meta.versions.find(v);
    if (it == meta.versions.end()) continue;
    VersionMeta& vm = it->second;
    if (action == "delete") {
      if (vm.Hidden(now)) continue;
      vm.deletion_time = now;
    } else if (action == "undelete") {
      if (vm.destroyed || !vm.deletion_time) continue;
      vm.deletion_time.reset();
    } else {
      if (vm.destroyed) continue;
      vm.destroyed = true;
      destroyed.push_back(v);
    }
    changed = true;
  }
  if (changed) {
    if (Status s = StoreMetadata(meta); !s.ok()) return Internal(s);
  }
  for (uint64_t v : destroyed) {
    if (Status s = storage_->Delete(VersionKey(name, v)); !s.ok()) {
      return Internal(s);
    }
  }
  return Response::NoContent();
}

Response Engine::ReadMetadata(const std::string& name) {
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (!*loaded) return Response::NotFound();
  const KeyMetadata& meta = **loaded;
  Json versions = Json::object();
  for (const auto& [n, vm] : meta.versions) {
    versions[std::to_string(n)] = {
        {"created_time", FormatTime(vm.created_time)},
        {"deletion_time", FormatTime(vm.deletion_time)},
        {"destroyed", vm.destroyed}};
  }
  return Response::Data(
      {{"cas_required", meta.cas_required},
       {"created_time", FormatTime(meta.created_time)},
       {"current_version", meta.current_version},
       {"custom_metadata", CustomJson(meta)},
       {"delete_version_after", FormatGoDuration(meta.delete_version_after)},
       {"max_versions", meta.max_versions},
       {"oldest_version", meta.oldest_version},
       {"updated_time", FormatTime(meta.updated_time)},
       {"versions", std::move(versions)}});
}

Response Engine::WriteMetadata(const std::string& name, const Json& body,
                               bool patch) {
  if (!body.is_object())
    return BadRequest("request body must be a JSON object");
  auto settings = ParseSettings(body, /*allow_null_custom=*/patch);
  if (!settings.ok()) return BadRequest(settings.status().message());
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (patch && !*loaded) return Response::NotFound();
  // Vault writes nothing, not even empty metadata, for a body without
  // settings.
  if (!settings->any()) return Response::NoContent();
  KeyMetadata meta;
  if (*loaded) {
    meta = std::move(**loaded);
  } else {
    TimePoint now = now_();
    meta.key = name;
    meta.created_time = now;
    meta.updated_time = now;
  }
  if (settings->max_versions) meta.max_versions = *settings->max_versions;
  if (settings->cas_required) meta.cas_required = *settings->cas_required;
  if (settings->delete_version_after) {
    meta.delete_version_after = *settings->delete_version_after;
  }
  if (settings->custom_metadata) {
    // A write replaces the map; a patch merges into it, null removing a key.
    std::map<std::string, std::string> custom;
    if (patch && meta.custom_metadata) custom = *meta.custom_metadata;
    for (const auto& [k, v] : *settings->custom_metadata) {
      if (v) {
        custom[k] = *v;
      } else {
        custom.erase(k);
      }
    }
    meta.custom_metadata = std::move(custom);
  }
  if (Status s = StoreMetadata(meta); !s.ok()) return Internal(s);
  return Response::NoContent();
}

Response Engine::DeleteMetadata(const std::string& name) {
  auto loaded = LoadMetadata(name);
  if (!loaded.ok()) return Internal(loaded.status());
  if (!*loaded) return Response::NoContent();
  if (Status s = storage_->Delete(std::string(kMetadataPrefix) + name);
      !s.ok()) {
    return Internal(s);
  }
  // Everything under the name's version folder, including a record an
  // interrupted write left unreferenced.
  std::string folder = VersionKey(name, 0);
  folder.pop_back();
  auto keys = storage_->List(folder);
  if (!keys.ok()) return Internal(keys.status());
  for (const std::string& k : *keys) {
    if (Status s = storage_->Delete(folder + k); !s.ok()) return Internal(s);
  }
  return Response::NoContent();
}

Response Engine::ListMetadata(std::string folder) {
  if (!folder.empty()) {
    if (folder.back() != '/') folder.push_back('/');
    std::string_view trimmed(folder.data(), folder.size() - 1);
    if (auto bad = CheckName(trimmed)) return BadRequest(*bad);
  }
  auto keys = storage_->List(std::string(kMetadataPrefix) + folder);
  if (!keys.ok()) return Internal(keys.status());
  if (keys->empty()) return Response::NotFound();
  return Response::Data({{"keys", *keys}});
}

Response Engine::ReadConfig() {
  auto config = LoadConfig();
  if (!config.ok()) return Internal(config.status());
  return Response::Data(
      {{"cas_required", config->cas_required},
       {"delete_version_after", FormatGoDuration(config->delete_version_after)},
       {"max_versions", config->max_versions}});
}

Response Engine::WriteConfig(const Json& body) {
  if (!body.is_object())
    return BadRequest("request body must be a JSON object");
  auto settings = ParseSettings(body, /*allow_null_custom=*/false);
  if (!settings.ok()) return BadRequest(settings.status().message());
  auto config = LoadConfig();
  if (!config.ok()) return Internal(config.status());
  Config c = *config;
  if (settings->max_versions) c.max_versions = *settings->max_versions;
  if (settings->cas_required) c.cas_required = *settings->cas_required;
  if (settings->delete_version_after) {
    c.delete_version_after = *settings->delete_version_after;
  }
  if (Status s = storage_->Put("config", EncodeConfig(c)); !s.ok()) {
    return Internal(s);
  }
  return Response::NoContent();
}

Result<std::optional<KeyMetadata>> Engine::LoadMetadata(
    const std::string& name) {
  VK_ASSIGN_OR_RETURN(auto raw,
                      storage_->Get(std::string(kMetadataPrefix) + name));
  if (!raw) return std::optional<KeyMetadata>();
  VK_ASSIGN_OR_RETURN(KeyMetadata meta, DecodeMetadata(*raw));
  return std::optional<KeyMetadata>(std::move(meta));
}

Status Engine::StoreMetadata(const KeyMetadata& meta) {
  return storage_->Put(std::string(kMetadataPrefix) + meta.key,
                       EncodeMetadata(meta));
}

Result<Config> Engine::LoadConfig() {
  VK_ASSIGN_OR_RETURN(auto raw, storage_->Get("config"));
  if (!raw) return Config{};
  return DecodeConfig(*raw);
}

Result<Json> Engine::LoadVersionData(const std::string& name,
                                     uint64_t version) {
  VK_ASSIGN_OR_RETURN(auto raw, storage_->Get(VersionKey(name, version)));
  if (!raw) return Corruption("could not find version data");
  Json j = logical::ParseJsonOrDiscarded(*raw, logical::kStoredJsonLimits);
  auto it = j.is_object() ? j.find("data") : j.end();
  if (!j.is_object() || it == j.end() || !it->is_object()) {
    return Corruption("kv2 version record is not {\"data\":{...}}");
  }
  return std::move(*it);
}

}  // namespace vk::kv2
