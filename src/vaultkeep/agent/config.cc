#include "vaultkeep/agent/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "kit/base/strings.h"
#include "kit/env/file.h"

namespace vk::agent {
namespace {

// A YAML node and where it is in the file, for messages.
struct At {
  YAML::Node node;
  std::string path;

  At operator[](const std::string& key) const {
    return {node[key], path.empty() ? key : path + "." + key};
  }
  At Item(size_t i) const {
    return {node[i], path + "[" + std::to_string(i) + "]"};
  }
  bool present() const { return node.IsDefined() && !node.IsNull(); }
  Status Error(const std::string& what) const {
    return InvalidArgument(path + ": " + what);
  }
};

Status OnlyKnown(const At& at, std::initializer_list<const char*> known) {
  if (!at.node.IsMap()) return at.Error("expected a mapping");
  for (const auto& kv : at.node) {
    const std::string key = kv.first.as<std::string>();
    if (std::find_if(known.begin(), known.end(),
                     [&](const char* k) { return key == k; }) != known.end()) {
      continue;
    }
    std::string names;
    for (const char* k : known)
      names += (names.empty() ? "" : ", ") + std::string(k);
    return At{kv.second, at.path.empty() ? key : at.path + "." + key}.Error(
        "unknown field (known: " + names + ")");
  }
  return Status::Ok();
}

Result<std::string> Str(const At& at) {
  if (!at.node.IsScalar()) return at.Error("expected a string");
  return at.node.as<std::string>();
}

// Sets *out when the field is there.
Status OptStr(const At& at, std::string* out) {
  if (!at.present()) return Status::Ok();
  VK_ASSIGN_OR_RETURN(*out, Str(at));
  return Status::Ok();
}

Status OptBool(const At& at, bool* out) {
  if (!at.present()) return Status::Ok();
  bool b = false;
  if (!at.node.IsScalar() || !YAML::convert<bool>::decode(at.node, b))
    return at.Error("expected true or false");
  *out = b;
  return Status::Ok();
}

Status OptInt(const At& at, int lo, int hi, int* out) {
  if (!at.present()) return Status::Ok();
  long long v = 0;
  if (!at.node.IsScalar() || !YAML::convert<long long>::decode(at.node, v))
    return at.Error("expected a whole number");
  if (v < lo || v > hi) {
    return at.Error("must be from " + std::to_string(lo) + " to " +
                    std::to_string(hi));
  }
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status OptDuration(const At& at, bool zero_ok, std::chrono::seconds* out) {
  if (!at.present()) return Status::Ok();
  VK_ASSIGN_OR_RETURN(std::string s, Str(at));
  if (zero_ok && (s == "0" || s == "0s")) {
    *out = std::chrono::seconds(0);
    return Status::Ok();
  }
  Result<std::chrono::seconds> d = schedule::ParseDuration(s);
  if (!d.ok()) return at.Error(d.status().message());
  *out = *d;
  return Status::Ok();
}

Result<std::vector<std::string>> StrList(const At& at) {
  if (!at.node.IsSequence()) return at.Error("expected a list");
  std::vector<std::string> out;
  for (size_t i = 0; i < at.node.size(); ++i) {
    VK_ASSIGN_OR_RETURN(std::string s, Str(at.Item(i)));
    out.push_back(std::move(s));
  }
  return out;
}

Result<schedule::Schedule> ScheduleOf(const At& at) {
  VK_ASSIGN_OR_RETURN(std::string s, Str(at));
  Result<schedule::Schedule> r = schedule::Schedule::Parse(s);
  if (!r.ok()) return at.Error(r.status().message());
  return r;
}

struct Paths {
  std::string base;
  std::string operator()(const std::string& p) const {
    if (p.empty() || p.front() == '/' || base.empty()) return p;
    return base + "/" + p;
  }
};

Status ParseRetention(const At& at, repo::ForgetPolicy* p) {
  VK_RETURN_IF_ERROR(OnlyKnown(
      at, {"keep_last", "keep_hourly", "keep_daily", "keep_weekly",
           "keep_monthly", "keep_yearly", "keep_within", "keep_tags"}));
  const int kMax = 1'000'000;
  VK_RETURN_IF_ERROR(OptInt(at["keep_last"], -1, kMax, &p->last));
  VK_RETURN_IF_ERROR(OptInt(at["keep_hourly"], -1, kMax, &p->hourly));
  VK_RETURN_IF_ERROR(OptInt(at["keep_daily"], -1, kMax, &p->daily));
  VK_RETURN_IF_ERROR(OptInt(at["keep_weekly"], -1, kMax, &p->weekly));
  VK_RETURN_IF_ERROR(OptInt(at["keep_monthly"], -1, kMax, &p->monthly));
  VK_RETURN_IF_ERROR(OptInt(at["keep_yearly"], -1, kMax, &p->yearly));
  if (at["keep_within"].present()) {
    VK_ASSIGN_OR_RETURN(std::string w, Str(at["keep_within"]));
    Result<repo::KeepWithin> within = repo::ParseKeepWithin(w);
    if (!within.ok()) return at["keep_within"].Error(within.status().message());
    p->within = *within;
  }
  if (at["keep_tags"].present()) {
    At tags = at["keep_tags"];
    if (!tags.node.IsSequence()) return tags.Error("expected a list of lists");
    for (size_t i = 0; i < tags.node.size(); ++i) {
      VK_ASSIGN_OR_RETURN(std::vector<std::string> l, StrList(tags.Item(i)));
      p->keep_tags.push_back(std::move(l));
    }
  }
  return Status::Ok();
}

Result<RepoConfig> ParseRepo(const At& at, const Paths& path) {
  VK_RETURN_IF_ERROR(OnlyKnown(
      at, {"name", "repo", "password_file", "options", "cacert", "insecure_tls",
           "retention", "schedule", "prune_schedule"}));
  RepoConfig r;
  if (!at["repo"].present()) return at["repo"].Error("required");
  VK_ASSIGN_OR_RETURN(r.location.where, Str(at["repo"]));
  // A local path is relative to the config file too.
  if (!r.location.where.starts_with("s3:")) {
    std::string& w = r.location.where;
    w = w.starts_with("local:") ? "local:" + path(w.substr(6)) : path(w);
  }
  r.name = r.location.where;
  VK_RETURN_IF_ERROR(OptStr(at["name"], &r.name));
  if (!at["password_file"].present()) {
    return at["password_file"].Error(
        "required (the agent has no terminal to ask on)");
  }
  VK_ASSIGN_OR_RETURN(r.password_file, Str(at["password_file"]));
  r.password_file = path(r.password_file);
  if (at["options"].present()) {
    At o = at["options"];
    if (!o.node.IsMap()) return o.Error("expected a mapping of option: value");
    std::map<std::string, std::string> sorted;
    for (const auto& kv : o.node) {
      const std::string key = kv.first.as<std::string>();
      VK_ASSIGN_OR_RETURN(sorted[key], Str(o[key]));
    }
    for (const auto& [k, v] : sorted)
      r.location.options.extended.push_back(k + "=" + v);
  }
  VK_RETURN_IF_ERROR(OptStr(at["cacert"], &r.location.options.cacert));
  if (!r.location.options.cacert.empty())
    r.location.options.cacert = path(r.location.options.cacert);
  VK_RETURN_IF_ERROR(
      OptBool(at["insecure_tls"], &r.location.options.insecure_tls));
  Status loc = access::CheckLocation(r.location);
  if (!loc.ok()) return at["repo"].Error(loc.message());
  if (at["retention"].present())
    VK_RETURN_IF_ERROR(ParseRetention(at["retention"], &r.retention));
  if (at["schedule"].present()) {
    VK_ASSIGN_OR_RETURN(schedule::Schedule s, ScheduleOf(at["schedule"]));
    r.schedule = s;
  }
  std::string prune = "@daily";
  VK_RETURN_IF_ERROR(OptStr(at["prune_schedule"], &prune));
  if (prune != "off") {
    At p{YAML::Node(prune), at["prune_schedule"].path};
    VK_ASSIGN_OR_RETURN(schedule::Schedule s, ScheduleOf(p));
    r.prune_schedule = s;
  }
  return r;
}

Status ParseVault(const At& at, const Paths& path, access::VaultSettings* v) {
  VK_RETURN_IF_ERROR(OnlyKnown(
      at, {"addresses", "token_file", "ca_cert", "client_cert", "client_key",
           "tls_server_name", "tls_skip_verify", "appbinding",
           "appbinding_file", "vaultserver", "vaultserver_file", "kubeconfig",
           "context", "wait", "stall_timeout"}));
  if (at["addresses"].present()) {
    VK_ASSIGN_OR_RETURN(v->addrs, StrList(at["addresses"]));
  }
  for (auto [name, field, is_file] :
       {std::tuple{"token_file", &v->token_file, true},
        {"ca_cert", &v->ca_cert, true},
        {"client_cert", &v->client_cert, true},
        {"client_key", &v->client_key, true},
        {"tls_server_name", &v->tls_server_name, false},
        {"appbinding", &v->appbinding, false},
        {"appbinding_file", &v->appbinding_file, true},
        {"vaultserver", &v->vaultserver, false},
        {"vaultserver_file", &v->vaultserver_file, true},
        {"kubeconfig", &v->kubeconfig, true},
        {"context", &v->context, false}}) {
    VK_RETURN_IF_ERROR(OptStr(at[name], field));
    if (is_file && !field->empty()) *field = path(*field);
  }
  VK_RETURN_IF_ERROR(OptBool(at["tls_skip_verify"], &v->tls_skip_verify));
  std::chrono::seconds wait(static_cast<long>(v->wait_s));
  VK_RETURN_IF_ERROR(OptDuration(at["wait"], true, &wait));
  v->wait_s = static_cast<double>(wait.count());
  std::chrono::seconds stall(v->stall_timeout_s);
  VK_RETURN_IF_ERROR(OptDuration(at["stall_timeout"], false, &stall));
  v->stall_timeout_s = stall.count();
  if (wait.count() > access::kMaxSeconds || stall.count() > access::kMaxSeconds)
    return at.Error("wait and stall_timeout are at most a day");
  return Status::Ok();
}

Status ParseKeys(const At& at, const Paths& path, TargetConfig* t) {
  if (at.node.IsScalar() && at.node.as<std::string>() == "none") {
    t->no_keys = true;
    return Status::Ok();
  }
  VK_RETURN_IF_ERROR(OnlyKnown(at, {"dir", "kubernetes_secret", "prefix"}));
  VK_RETURN_IF_ERROR(OptStr(at["dir"], &t->vault.key_dir));
  if (!t->vault.key_dir.empty()) t->vault.key_dir = path(t->vault.key_dir);
  VK_RETURN_IF_ERROR(OptStr(at["kubernetes_secret"], &t->vault.key_secret));
  if (!t->vault.key_dir.empty() && !t->vault.key_secret.empty())
    return at.Error("give dir or kubernetes_secret, not both");
  if (at["prefix"].node.IsDefined()) {
    t->vault.key_prefix =
        at["prefix"].node.IsNull() ? "" : at["prefix"].node.as<std::string>();
    t->vault.key_prefix_set = true;
  }
  return Status::Ok();
}

Result<TargetConfig> ParseTarget(const At& at, const Paths& path) {
  VK_RETURN_IF_ERROR(OnlyKnown(
      at, {"name", "vault", "keys", "allow_missing_root_token", "shares",
           "attempts", "schedule", "jitter", "tags", "repositories"}));
  TargetConfig t;
  if (!at["name"].present()) return at["name"].Error("required");
  VK_ASSIGN_OR_RETURN(t.name, Str(at["name"]));
  static const std::regex kName("[A-Za-z0-9._-]{1,64}");
  if (!std::regex_match(t.name, kName)) {
    return at["name"].Error(Quote(t.name) +
                            ": use 1 to 64 of A-Z a-z 0-9 . _ -");
  }
  if (at["vault"].present())
    VK_RETURN_IF_ERROR(ParseVault(at["vault"], path, &t.vault));
  if (at["keys"].present()) VK_RETURN_IF_ERROR(ParseKeys(at["keys"], path, &t));
  VK_RETURN_IF_ERROR(
      OptBool(at["allow_missing_root_token"], &t.allow_missing_root_token));
  VK_RETURN_IF_ERROR(OptInt(at["shares"], 0, 255, &t.shares));
  VK_RETURN_IF_ERROR(OptInt(at["attempts"], 1, 10, &t.attempts));
  if (!at["schedule"].present()) return at["schedule"].Error("required");
  VK_ASSIGN_OR_RETURN(schedule::Schedule s, ScheduleOf(at["schedule"]));
  t.schedule = s;
  VK_RETURN_IF_ERROR(OptDuration(at["jitter"], true, &t.jitter));
  if (at["tags"].present()) {
    VK_ASSIGN_OR_RETURN(t.tags, StrList(at["tags"]));
    for (const std::string& tag : t.tags) {
      if (tag.empty() || tag.find(',') != std::string::npos)
        return at["tags"].Error("tags are non-empty and have no comma");
    }
  }
  At repos = at["repositories"];
  if (!repos.present() || !repos.node.IsSequence() || repos.node.size() == 0)
    return repos.Error("required: a list of at least one repository");
  std::set<std::string> names;
  for (size_t i = 0; i < repos.node.size(); ++i) {
    VK_ASSIGN_OR_RETURN(RepoConfig r, ParseRepo(repos.Item(i), path));
    if (!names.insert(r.name).second) {
      return repos.Item(i).Error("repository name " + Quote(r.name) +
                                 " is used twice in this target");
    }
    t.repositories.push_back(std::move(r));
  }
  return t;
}

}  // namespace

Result<AgentConfig> ParseConfig(std::string_view yaml,
                                const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return InvalidArgument("not valid YAML: " + std::string(e.what()));
  }
  At at{root, ""};
  if (!root.IsMap()) return InvalidArgument("the config must be a mapping");
  VK_RETURN_IF_ERROR(
      OnlyKnown(at, {"state_dir", "listen", "lock_wait", "grace", "targets"}));
  Paths path{base_dir};
  AgentConfig c;
  if (!at["state_dir"].present()) return at["state_dir"].Error("required");
  VK_ASSIGN_OR_RETURN(c.state_dir, Str(at["state_dir"]));
  c.state_dir = path(c.state_dir);
  VK_RETURN_IF_ERROR(OptStr(at["listen"], &c.listen));
  VK_RETURN_IF_ERROR(OptDuration(at["lock_wait"], true, &c.lock_wait));
  VK_RETURN_IF_ERROR(OptDuration(at["grace"], true, &c.grace));
  At targets = at["targets"];
  if (!targets.present() || !targets.node.IsSequence() ||
      targets.node.size() == 0) {
    return targets.Error("required: a list of at least one target");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < targets.node.size(); ++i) {
    VK_ASSIGN_OR_RETURN(TargetConfig t, ParseTarget(targets.Item(i), path));
    if (!names.insert(t.name).second) {
      return targets.Item(i).Error("target name " + Quote(t.name) +
                                   " is used twice");
    }
    c.targets.push_back(std::move(t));
  }
  return c;
}

Result<AgentConfig> LoadConfig(const std::string& path) {
  Result<std::string> text = ReadSmallFile(path, 1 << 20);
  if (!text.ok()) return text.status().WithContext("agent config " + path);
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? "." : path.substr(0, slash);
  if (base.empty()) base = "/";
  Result<AgentConfig> c = ParseConfig(*text, base);
  if (!c.ok()) return c.status().WithContext(path);
  c->path = path;
  return c;
}

}  // namespace vk::agent
