#include "vaultkeep/vault/client.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "kit/base/strings.h"
#include "kit/httpc/client.h"
#include "vaultkeep/vault/errors.h"

namespace vk::vault {
namespace {

using internal::Contains;
using internal::FirstError;
using internal::HttpError;
using internal::IsTransientHttp;
using internal::IsUnsent;
using internal::LocationOrigin;
using internal::Scrub;
using internal::TransportError;
using nlohmann::json;

constexpr char kHealthQuery[] =
    "?standbyok=true&sealedcode=200&uninitcode=200&perfstandbyok=true";

// Which failures of a small call may be retried.
enum class Retry {
  kIdempotent,  // transport failures and 5xx/429: the call changes nothing
  kUnsent,      // only failures before the request left (connect, resolve)
};

struct Call {
  std::string method;
  std::string path;   // under /v1/, may carry a query
  std::string body;   // JSON, or empty
  bool auth = false;  // send the token
  Retry retry = Retry::kIdempotent;
};

// Lenient field readers: a missing, null or mistyped field is its default
// (servers add and omit fields across versions).
bool Bool(const json& j, const char* key, bool def = false) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : def;
}
std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
uint64_t U64(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer() && it->get<int64_t>() >= 0)
    return static_cast<uint64_t>(it->get<int64_t>());
  return 0;
}
int Int(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string StripQuery(const std::string& path) {
  return path.substr(0, path.find('?'));
}

std::string Where(const std::string& method, const std::string& addr,
                  const std::string& path) {
  return method + " " + addr + "/v1/" + StripQuery(path);
}

Result<json> ParseBody(const std::string& where, const httpc::Response& r) {
  if (r.body.empty()) return json::object();
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return FailedPrecondition(where + ": HTTP " + std::to_string(r.status) +
                              ": the answer is not a JSON object");
  return j;
}

httpc::Options HttpOptions(const ClientOptions& o, bool stream) {
  httpc::Options h;
  h.ca_file = o.tls.ca_file;
  h.ca_pem = o.tls.ca_pem;
  h.client_cert_file = o.tls.client_cert_file;
  h.client_key_file = o.tls.client_key_file;
  h.server_name = o.tls.server_name;
  h.insecure_skip_verify = o.tls.insecure_skip_verify;
  h.connect_timeout_ms = o.connect_timeout_ms;
  if (stream) {
    h.timeout_ms = 0;
    h.stall_timeout_s = o.stall_timeout_s;
    h.stall_bytes_per_s = o.stall_bytes_per_s;
  } else {
    h.timeout_ms = o.request_timeout_ms;
  }
  return h;
}

// Paths a caller gives to Read/Write: relative to /v1/, printable.
Result<std::string> CleanPath(const std::string& path) {
  std::string p = path;
  while (p.starts_with("/")) p.erase(0, 1);
  bool ok = !p.empty();
  for (unsigned char ch : p) ok &= ch > 0x20 && ch < 0x7f && ch != '#';
  if (!ok) return InvalidArgument("invalid Vault API path " + Quote(path));
  return p;
}

}  // namespace

struct Client::Impl {
  Impl(const ClientOptions& o, const std::string& t)
      : options(o),
        token(t),
        small(HttpOptions(o, false)),
        stream(HttpOptions(o, true)) {}

  httpc::Request MakeRequest(const std::string& addr, const Call& c) const {
    httpc::Request req;
    req.method = c.method;
    req.url = addr + "/v1/" + c.path;
    if (c.auth && !token.empty())
      req.headers.emplace_back("X-Vault-Token", token);
    if (!c.body.empty()) {
      req.headers.emplace_back("Content-Type", "application/json");
      req.body = c.body;
    }
    return req;
  }

  // One small call with retries; returns the response `accept` takes.
  Result<httpc::Response> Small(
      const std::string& raw_addr, const Call& c,
      const std::function<bool(const httpc::Response&)>& accept) {
    VK_ASSIGN_OR_RETURN(std::string addr, NormalizeAddr(raw_addr));
    const std::string where = Where(c.method, addr, c.path);
    const httpc::Request req = MakeRequest(addr, c);
    const int attempts = Attempts(options.retry);
    Status last;
    int attempt = 1;
    for (;; ++attempt) {
      Result<httpc::Response> r = small.Do(req);
      bool transient;
      if (r.ok()) {
        if (accept(*r)) return r;
        last = HttpError(where, *r);
        transient = c.retry == Retry::kIdempotent && IsTransientHttp(*r, last);
      } else {
        last = TransportError(r.status(), c.method, where);
        transient = last.code() == StatusCode::kUnavailable &&
                    (c.retry == Retry::kIdempotent || IsUnsent(last));
      }
      if (!transient || attempt >= attempts) break;
      std::chrono::milliseconds wait = Backoff(options.retry, attempt);
      spdlog::info("{}: retry {} of {} in {} ms after: {}", where, attempt + 1,
                   attempts, wait.count(), Scrub(last, token).message());
      options.clock->SleepFor(wait);
    }
    if (attempt > 1)
      last = last.WithMessage(last.message() + " (after " +
                              std::to_string(attempt) + " attempts)");
    return Scrub(last, token);
  }

  Result<httpc::Response> Small2xx(const std::string& addr, const Call& c) {
    return Small(addr, c,
                 [](const httpc::Response& r) { return r.status / 100 == 2; });
  }

  // Small2xx parsed as a JSON object.
  Result<json> SmallJson(const std::string& addr, const Call& c) {
    VK_ASSIGN_OR_RETURN(httpc::Response r, Small2xx(addr, c));
    auto a = NormalizeAddr(addr);  // succeeded in Small
    return ParseBody(Where(c.method, *a, c.path), r);
  }

  const ClientOptions& options;
  const std::string& token;
  httpc::Client small;   // whole-request timeout, retries
  httpc::Client stream;  // stall detection, no timeout, no retries
  std::string last_redirect;
};

Client::Client(ClientOptions options, std::string token)
    : options_(std::move(options)),
      token_(std::move(token)),
      impl_(std::make_unique<Impl>(options_, token_)) {}

Client::~Client() = default;

void Client::set_token(std::string token) { token_ = std::move(token); }

const std::string& Client::last_redirect() const {
  return impl_->last_redirect;
}

Result<Health> Client::GetHealth(const std::string& addr) {
  Call c{.method = "GET", .path = std::string("sys/health") + kHealthQuery};
  // Standby and replication states keep their own codes even with the
  // query above (474, 472, 530); their bodies are health all the same.
  VK_ASSIGN_OR_RETURN(httpc::Response r,
                      impl_->Small(addr, c, [](const httpc::Response& r) {
                        if (r.status == 200) return true;
                        if (r.status < 400 || r.status == 500) return false;
                        json j = json::parse(r.body, nullptr, false);
                        return j.is_object() && j.contains("initialized");
                      }));
  VK_ASSIGN_OR_RETURN(
      json j, ParseBody(Where("GET", *NormalizeAddr(addr), "sys/health"), r));
  Health h;
  h.initialized = Bool(j, "initialized");
  h.sealed = Bool(j, "sealed");
  h.standby = Bool(j, "standby");
  h.version = Str(j, "version");
  h.cluster_id = Str(j, "cluster_id");
  h.cluster_name = Str(j, "cluster_name");
  return h;
}

Result<LeaderInfo> Client::GetLeader(const std::string& addr) {
  VK_ASSIGN_OR_RETURN(
      json j, impl_->SmallJson(addr, {.method = "GET", .path = "sys/leader"}));
  LeaderInfo l;
  l.ha_enabled = Bool(j, "ha_enabled");
  l.is_self = Bool(j, "is_self");
  l.leader_address = Str(j, "leader_address");
  l.leader_cluster_address = Str(j, "leader_cluster_address");
  l.raft_committed_index = U64(j, "raft_committed_index");
  l.raft_applied_index = U64(j, "raft_applied_index");
  return l;
}

namespace {
SealStatus ParseSealStatus(const json& j) {
  SealStatus s;
  s.type = Str(j, "type");
  s.initialized = Bool(j, "initialized");
  s.sealed = Bool(j, "sealed", true);
  s.threshold = Int(j, "t");
  s.shares = Int(j, "n");
  s.progress = Int(j, "progress");
  s.version = Str(j, "version");
  s.cluster_id = Str(j, "cluster_id");
  return s;
}
}  // namespace

Result<SealStatus> Client::GetSealStatus(const std::string& addr) {
  VK_ASSIGN_OR_RETURN(
      json j,
      impl_->SmallJson(addr, {.method = "GET", .path = "sys/seal-status"}));
  return ParseSealStatus(j);
}

Result<SealStatus> Client::Unseal(const std::string& addr,
                                  const std::string& key,
                                  UnsealRefusal* refusal) {
  if (refusal != nullptr) *refusal = UnsealRefusal::kNone;
  Call c{.method = "PUT",
         .path = "sys/unseal",
         .body = json{{"key", key}}.dump(),
         .retry = Retry::kUnsent};
  Result<json> j = impl_->SmallJson(addr, c);
  if (!j.ok()) {
    Status s = Scrub(j.status(), key);
    // Older servers answer a wrong key with 500 and the decryption error.
    if (s.code() == StatusCode::kUnavailable &&
        s.message().find(": HTTP 5") != std::string::npos &&
        (Contains(s.message(), "invalid key") ||
         Contains(s.message(), "message authentication failed")))
      s = InvalidArgument(s.message());
    if (refusal != nullptr && s.code() == StatusCode::kInvalidArgument) {
      if (Contains(s.message(), "invalid key") ||
          Contains(s.message(), "message authentication failed")) {
        *refusal = UnsealRefusal::kWrongKeys;
      } else if (Contains(s.message(), "hex or base64") ||
                 Contains(s.message(), "too short") ||
                 Contains(s.message(), "too long")) {
        *refusal = UnsealRefusal::kMalformedKey;
      }
    }
    return s;
  }
  return ParseSealStatus(*j);
}

Result<SealStatus> Client::ResetUnseal(const std::string& addr) {
  Call c{.method = "PUT",
         .path = "sys/unseal",
         .body = json{{"reset", true}}.dump(),
         .retry = Retry::kUnsent};
  VK_ASSIGN_OR_RETURN(json j, impl_->SmallJson(addr, c));
  return ParseSealStatus(j);
}

Result<std::vector<RaftServer>> Client::RaftConfiguration(
    const std::string& addr) {
  const std::string path = "sys/storage/raft/configuration";
  VK_ASSIGN_OR_RETURN(
      json j,
      impl_->SmallJson(addr, {.method = "GET", .path = path, .auth = true}));
  const json* servers = nullptr;
  if (auto d = j.find("data"); d != j.end() && d->is_object()) {
    if (auto c = d->find("config"); c != d->end() && c->is_object()) {
      if (auto s = c->find("servers"); s != c->end() && s->is_array())
        servers = &*s;
    }
  }
  if (servers == nullptr)
    return FailedPrecondition(Where("GET", *NormalizeAddr(addr), path) +
                              ": the answer has no data.config.servers");
  std::vector<RaftServer> out;
  for (const json& s : *servers) {
    if (!s.is_object()) continue;
    out.push_back({.node_id = Str(s, "node_id"),
                   .address = Str(s, "address"),
                   .leader = Bool(s, "leader"),
                   .voter = Bool(s, "voter")});
  }
  return out;
}

Result<std::vector<std::string>> Client::CapabilitiesSelf(
    const std::string& addr, const std::string& path) {
  VK_ASSIGN_OR_RETURN(std::string p, CleanPath(path));
  VK_ASSIGN_OR_RETURN(
      json j, impl_->SmallJson(addr, {.method = "POST",
                                      .path = "sys/capabilities-self",
                                      .body = json{{"paths", {p}}}.dump(),
                                      .auth = true}));
  // Vault answers {"capabilities": [...], "<path>": [...], "data": {...}}.
  for (const json* o : {&j, j.contains("data") ? &j["data"] : nullptr}) {
    if (o == nullptr || !o->is_object()) continue;
    for (const char* key : {p.c_str(), "capabilities"}) {
      auto it = o->find(key);
      if (it == o->end() || !it->is_array()) continue;
      std::vector<std::string> caps;
      for (const json& c : *it) {
        if (c.is_string()) caps.push_back(c.get<std::string>());
      }
      return caps;
    }
  }
  return FailedPrecondition(
      Where("POST", *NormalizeAddr(addr), "sys/capabilities-self") +
      ": the answer lists no capabilities");
}

namespace {
json DataOrWhole(json j) {
  if (auto d = j.find("data"); d != j.end() && !d->is_null())
    return std::move(*d);
  return j;
}
}  // namespace

Result<json> Client::Read(const std::string& addr, const std::string& path) {
  VK_ASSIGN_OR_RETURN(std::string p, CleanPath(path));
  VK_ASSIGN_OR_RETURN(
      json j,
      impl_->SmallJson(addr, {.method = "GET", .path = p, .auth = true}));
  return DataOrWhole(std::move(j));
}

Result<json> Client::Write(const std::string& addr, const std::string& path,
                           const json& body) {
  VK_ASSIGN_OR_RETURN(std::string p, CleanPath(path));
  VK_ASSIGN_OR_RETURN(json j,
                      impl_->SmallJson(addr, {.method = "PUT",
                                              .path = p,
                                              .body = body.dump(),
                                              .auth = true,
                                              .retry = Retry::kUnsent}));
  return DataOrWhole(std::move(j));
}

Status Client::Snapshot(const std::string& raw_addr, ByteSink* out,
                        const ProgressFn& progress) {
  VK_ASSIGN_OR_RETURN(std::string addr, NormalizeAddr(raw_addr));
  Call c{.method = "GET", .path = "sys/storage/raft/snapshot", .auth = true};
  const std::string where = Where(c.method, addr, c.path);
  impl_->last_redirect.clear();
  CountingSink sink(out, progress);
  httpc::Request req = impl_->MakeRequest(addr, c);
  req.response_sink = &sink;
  Result<httpc::Response> r = impl_->stream.Do(req);
  if (!r.ok()) {
    return Scrub(TransportError(r.status(), c.method, where), token_);
  }
  if (r->status / 100 == 2) return Status::Ok();
  if (r->status / 100 == 3) impl_->last_redirect = LocationOrigin(*r);
  return Scrub(HttpError(where, *r), token_);
}

Status Client::Restore(const std::string& raw_addr, ByteSource* body,
                       bool force, const ProgressFn& progress) {
  VK_ASSIGN_OR_RETURN(std::string addr, NormalizeAddr(raw_addr));
  Call c{.method = "POST",
         .path = force ? "sys/storage/raft/snapshot-force"
                       : "sys/storage/raft/snapshot",
         .auth = true};
  const std::string where = Where(c.method, addr, c.path);
  impl_->last_redirect.clear();
  CountingSource source(body, progress);
  httpc::Request req = impl_->MakeRequest(addr, c);
  req.body_source = &source;  // chunked: the archive is never buffered
  Result<httpc::Response> r = impl_->stream.Do(req);
  if (!r.ok()) {
    return Scrub(TransportError(r.status(), c.method, where), token_);
  }
  if (r->status / 100 == 2) return Status::Ok();
  if (r->status / 100 == 3) impl_->last_redirect = LocationOrigin(*r);
  Status s = HttpError(where, *r);
  std::string err = FirstError(r->body);
  if (r->status == 400 && (Contains(err, "different set of unseal keys") ||
                           Contains(err, "different autoseal key"))) {
    s = FailedPrecondition(
        s.message() +
        " -- the snapshot was taken with other unseal keys than this "
        "cluster's; a restore into another cluster needs --force");
  }
  return Scrub(s, token_);
}

Result<std::string> NormalizeAddr(std::string_view addr) {
  while (!addr.empty() && (addr.front() == ' ' || addr.front() == '\t'))
    addr.remove_prefix(1);
  while (!addr.empty() && (addr.back() == ' ' || addr.back() == '\t'))
    addr.remove_suffix(1);
  std::string scheme;
  for (std::string s : {"http", "https"}) {
    if (addr.size() > s.size() + 3 &&
        EqualsIgnoreCase(addr.substr(0, s.size() + 3), s + "://"))
      scheme = s;
  }
  if (scheme.empty())
    return InvalidArgument("Vault address " + Quote(addr) +
                           " must start with http:// or https://");
  std::string_view rest = addr.substr(scheme.size() + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path =
      slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return InvalidArgument("a Vault address must not carry user info");
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("Vault address " + Quote(addr) +
                             " has an unclosed IPv6 bracket");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return InvalidArgument("Vault address " + Quote(addr) +
                             " is malformed after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
    if (host.size() <= 2) host = "";
  } else if (size_t colon = authority.find(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) port = "x";  // "h:" has an empty port: invalid
  }
  if (host.empty())
    return InvalidArgument("Vault address " + Quote(addr) + " has no host");
  if (!port.empty()) {
    bool digits = port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(),
                              [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits || std::stoi(std::string(port)) == 0 ||
        std::stoi(std::string(port)) > 65535)
      return InvalidArgument("Vault address " + Quote(addr) +
                             " has an invalid port");
  }
  if (path != "" && path != "/" && path != "/v1" && path != "/v1/")
    return InvalidArgument("Vault address " + Quote(addr) +
                           " must not have a path other than /v1");
  return scheme + "://" + std::string(authority);
}

}  // namespace vk::vault
