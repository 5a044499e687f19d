// Authenticated administration endpoints: sys/mounts, sys/policies/acl (and
// the legacy sys/policy), auth/token/create, token lookups and
// sys/capabilities-self.
#include <algorithm>
#include <chrono>
#include <set>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "minivault/api/api.h"

namespace vk::minivault {
namespace {

// Vault's default token TTL (system max lease TTL): 32 days.
constexpr int64_t kDefaultTokenTtl = 768 * 3600;

std::string Rfc3339(int64_t unix_seconds) {
  return FormatRfc3339(std::chrono::system_clock::time_point(
      std::chrono::seconds(unix_seconds)));
}

// Policies may come as a list or a comma-separated string.
std::optional<std::vector<std::string>> StringList(const nlohmann::json& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {
    std::string s = v.get<std::string>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(',', start);
      if (end == std::string::npos) end = s.size();
      std::string item = s.substr(start, end - start);
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (!item.empty()) out.push_back(item);
      start = end + 1;
    }
    return out;
  }
  if (!v.is_array()) return std::nullopt;
  for (const auto& e : v) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Vault's TypeCommaStringSlice: a list, or one comma-separated string;
// every item trimmed of spaces, empty items kept. Missing or null: empty.
std::optional<std::vector<std::string>> CommaStringSlice(
    const nlohmann::json& body, const char* name) {
  std::vector<std::string> out;
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return out;
  auto trimmed = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t\r\n"));
    s.erase(s.find_last_not_of(" \t\r\n") + 1);
    return s;
  };
  if (it->is_string()) {
    std::string s = it->get<std::string>();
    if (s.empty()) return out;
    size_t start = 0;
    while (true) {
      size_t end = s.find(',', start);
      out.push_back(trimmed(s.substr(start, end - start)));
      if (end == std::string::npos) return out;
      start = end + 1;
    }
  }
  if (!it->is_array()) return std::nullopt;
  for (const auto& e : *it) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(trimmed(e.get<std::string>()));
  }
  return out;
}

}  // namespace

void Api::Mounts(Call& c, Core::Access& access, std::string_view rest) {
  MountTable table = access.mounts();
  auto describe_all = [&] {
    nlohmann::json all = nlohmann::json::object();
    for (const auto& m : table.entries()) all[m.path] = m.Describe();
    MountEntry sys{"sys/", "system",
                   "system endpoints used for control, policy and debugging",
                   "", "system_" + std::string("00000000")};
    all["sys/"] = sys.Describe();
    return all;
  };
  if (rest.empty()) {
    if (c.method != "GET") return SendError(*c.w, 405, "");
    nlohmann::json all = describe_all();
    // Vault repeats the table at the top level for old clients.
    nlohmann::json body = Envelope(all);
    for (auto& [k, v] : all.items()) body[k] = v;
    return SendJson(*c.w, 200, body);
  }
  if (c.method == "GET") {
    const MountEntry* m = table.Find(rest);
    if (!m)
      return SendError(
          *c.w, 400,
          "No secret engine mount at " + MountTable::Normalize(rest));
    return SendJson(*c.w, 200, Envelope(m->Describe()));
  }
  if (c.method == "DELETE") {
    Status s = access.DisableMount(rest);
    if (!s.ok()) return SendError(*c.w, 500, s.message());
    return c.w->Send(204, "", "application/json");
  }
  if (c.method != "POST" && c.method != "PUT") return SendError(*c.w, 405, "");
  const auto& b = c.body;
  if (!b.contains("type") || !b["type"].is_string() ||
      b["type"].get<std::string>().empty())
    return SendError(*c.w, 400, "backend type must be specified as a string");
  std::string type = b["type"].get<std::string>();
  nlohmann::json options = b.value("options", nlohmann::json::object());
  if (!options.is_object() && !options.is_null())
    return SendError(*c.w, 400, "'options' must be an object");
  if (options.is_null()) options = nlohmann::json::object();
  std::string version;
  if (options.contains("version")) {
    const auto& v = options["version"];
    version =
        v.is_string()
            ? v.get<std::string>()
            : (v.is_number_integer() ? std::to_string(v.get<int>()) : "?");
  }
  if (type == "kv-v2") {
    type = "kv";
    version = "2";
  }
  if (type != "kv")
    return SendError(*c.w, 400,
                     "plugin not found in the catalog: " + type +
                         " (minivault serves KV version 2 only)");
  if (version != "2")
    return SendError(*c.w, 400,
                     "minivault serves KV version 2 only: set options "
                     "{\"version\":\"2\"}");
  MountEntry entry;
  entry.path = std::string(rest);
  entry.type = "kv";
  auto description = StringField(b, "description");
  if (!description)
    return SendError(*c.w, 400, "'description' must be a string");
  entry.description = *description;
  entry.options = {{"version", "2"}};
  if (b.contains("config") && b["config"].is_object())
    entry.config = b["config"];
  Status s = access.EnableMount(std::move(entry));
  if (!s.ok()) {
    int code = s.code() == StatusCode::kInvalidArgument ? 400 : 500;
    return SendError(*c.w, code, s.message());
  }
  c.w->Send(204, "", "application/json");
}

void Api::Policies(Call& c, Core::Access& access, std::string_view name,
                   bool legacy) {
  PolicyStore& store = access.policies();
  bool list =
      c.method == "LIST" ||
      (c.method == "GET" &&
       (name.empty() ||
        ParseGoBool(c.req->Query("list").value_or("")).value_or(false)));
  if (name.empty() || list) {
    if (!list) return SendError(*c.w, 405, "");
    auto names = store.List();
    if (!names.ok()) return SendError(*c.w, 500, names.status().message());
    nlohmann::json data = {{"keys", names.value()}};
    if (legacy) data["policies"] = names.value();
    nlohmann::json body = Envelope(data);
    if (legacy) {
      body["keys"] = names.value();
      body["policies"] = names.value();
    }
    return SendJson(*c.w, 200, body);
  }
  if (c.method == "GET") {
    auto p = store.Get(name);
    if (!p.ok()) return SendError(*c.w, 500, p.status().message());
    if (!p.value()) return SendError(*c.w, 404, "");
    nlohmann::json data = {{"name", p.value()->name}};
    data[legacy ? "rules" : "policy"] = p.value()->raw;
    nlohmann::json body = Envelope(data);
    if (legacy) {
      body["name"] = p.value()->name;
      body["rules"] = p.value()->raw;
    }
    return SendJson(*c.w, 200, body);
  }
  if (c.method == "DELETE") {
    Status s = store.Delete(name);
    if (!s.ok())
      return SendError(*c.w,
                       s.code() == StatusCode::kInvalidArgument ? 400 : 500,
                       s.message());
    return c.w->Send(204, "", "application/json");
  }
  if (c.method != "PUT" && c.method != "POST") return SendError(*c.w, 405, "");
  const char* field = legacy && c.body.contains("rules") ? "rules" : "policy";
  if (!c.body.contains(field) || !c.body[field].is_string())
    return SendError(*c.w, 400, "'policy' parameter not supplied or empty");
  Status s = store.Put(name, c.body[field].get<std::string>());
  if (!s.ok())
    return SendError(*c.w, s.code() == StatusCode::kInvalidArgument ? 400 : 500,
                     s.message());
  c.w->Send(204, "", "application/json");
}

void Api::TokenCreate(Call& c, Core::Access& access, const TokenEntry& parent,
                      const acl::Acl& acl) {
  const auto& b = c.body;
  auto policies = StringList(b.value("policies", nlohmann::json()));
  if (!policies)
    return SendError(*c.w, 400, "'policies' must be a list of strings");
  auto ttl = ParseDurationSeconds(b.value("ttl", nlohmann::json()));
  if (!ttl.ok()) return SendError(*c.w, 400, ttl.status().message());
  auto max_ttl =
      ParseDurationSeconds(b.value("explicit_max_ttl", nlohmann::json()));
  if (!max_ttl.ok()) return SendError(*c.w, 400, max_ttl.status().message());
  auto no_default_field = BoolField(b, "no_default_policy");
  auto renewable_field = BoolField(b, "renewable", true);
  auto display_name = StringField(b, "display_name");
  if (!no_default_field || !renewable_field || !display_name)
    return SendError(*c.w, 400,
                     "no_default_policy and renewable must be booleans, "
                     "display_name a string");
  bool no_default = *no_default_field;
  bool parent_root = std::find(parent.policies.begin(), parent.policies.end(),
                               "root") != parent.policies.end();
  std::set<std::string> set;
  for (const auto& p : *policies) set.insert(AsciiLower(p));
  if (policies->empty()) {
    // Vault: no policies given inherits the parent's.
    set.insert(parent.policies.begin(), parent.policies.end());
  }
  if (!no_default && !set.count("root")) set.insert("default");
  if (!parent_root) {
    for (const auto& p : set) {
      if (p == "default") continue;
      if (std::find(parent.policies.begin(), parent.policies.end(), p) ==
          parent.policies.end())
        return SendError(*c.w, 400, "child policies must be subset of parent");
    }
  }
  (void)acl;
  TokenEntry t;
  t.id = NewTokenId();
  t.accessor = NewAccessor();
  t.policies.assign(set.begin(), set.end());
  t.path = "auth/token/create";
  t.display_name = "token";
  if (!display_name->empty()) t.display_name = "token-" + *display_name;
  t.creation_time = UnixNow();
  bool is_root = set.count("root") > 0;
  t.ttl = ttl.value() > 0 ? ttl.value() : (is_root ? 0 : kDefaultTokenTtl);
  if (max_ttl.value() > 0 && (t.ttl == 0 || t.ttl > max_ttl.value()))
    t.ttl = max_ttl.value();
  t.explicit_max_ttl = max_ttl.value();
  t.renewable = *renewable_field && t.ttl > 0;
  t.orphan = false;
  if (b.contains("meta") && b["meta"].is_object()) t.meta = b["meta"];
  Status s = access.tokens().Create(t);
  if (!s.ok()) return SendError(*c.w, 500, s.message());
  nlohmann::json auth = {
      {"client_token", t.id},       {"accessor", t.accessor},
      {"policies", t.policies},     {"token_policies", t.policies},
      {"metadata", t.meta},         {"lease_duration", t.ttl},
      {"renewable", t.renewable},   {"entity_id", ""},
      {"token_type", "service"},    {"orphan", t.orphan},
      {"mfa_requirement", nullptr}, {"num_uses", 0}};
  SendJson(*c.w, 200, Envelope(nullptr, auth));
}

void Api::TokenLookup(Call& c, const TokenEntry& t) {
  int64_t now = UnixNow();
  nlohmann::json data = {
      {"accessor", t.accessor},
      {"creation_time", t.creation_time},
      {"creation_ttl", t.ttl},
      {"display_name", t.display_name},
      {"entity_id", ""},
      {"expire_time", t.ttl > 0
                          ? nlohmann::json(Rfc3339(t.creation_time + t.ttl))
                          : nlohmann::json()},
      {"explicit_max_ttl", t.explicit_max_ttl},
      {"id", t.id},
      {"issue_time", Rfc3339(t.creation_time)},
      {"meta", t.meta},
      {"num_uses", 0},
      {"orphan", t.orphan},
      {"path", t.path},
      {"policies", t.policies},
      {"renewable", t.renewable},
      {"ttl",
       t.ttl > 0 ? std::max<int64_t>(0, t.creation_time + t.ttl - now) : 0},
      {"type", "service"}};
  SendJson(*c.w, 200, Envelope(data));
}

// Vault's handleCapabilities for the calling token: "paths" (or the
// deprecated "path" when "paths" is empty), each answered with the sorted
// capabilities the token's policies grant there, ["root"] for a root token
// and ["deny"] where nothing is granted. One path is also answered under
// "capabilities". Vault injects the data at the top level too, beside the
// envelope, whose own keys win on a clash (they come last in Vault's body).
void Api::CapabilitiesSelf(Call& c, const acl::Acl& acl) {
  auto paths = CommaStringSlice(c.body, "paths");
  if (paths && paths->empty()) paths = CommaStringSlice(c.body, "path");
  if (!paths)
    return SendError(*c.w, 400,
                     "'paths' must be a list of strings or a comma-separated "
                     "string");
  if (paths->empty()) return SendError(*c.w, 400, "paths must be supplied");
  nlohmann::json data = nlohmann::json::object();
  for (const std::string& path : *paths) {
    if (path.empty()) return SendError(*c.w, 400, "missing path");
    std::string_view p = path;
    while (!p.empty() && p.front() == '/') p.remove_prefix(1);
    data[path] = acl::CapabilityNames(acl.Capabilities(p));
  }
  if (paths->size() == 1) data["capabilities"] = data[paths->front()];
  nlohmann::json body = Envelope(data, nullptr, {}, "system");
  for (const auto& [k, v] : data.items()) {
    if (!body.contains(k)) body[k] = v;
  }
  SendJson(*c.w, 200, body);
}

}  // namespace vk::minivault
