#include "minivault/api/api.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "kit/base/strings.h"
#include "minivault/kv2/kv2.h"

namespace vk::minivault {
namespace {

// Passes writes through, sleeping so that the average rate stays at or
// below `rate` bytes per second (0: no limit). See set_snapshot_rate_limit.
class RateLimitedSink : public ByteSink {
 public:
  RateLimitedSink(ByteSink* out, uint64_t rate) : out_(out), rate_(rate) {}
  Status Write(ByteSpan data) override {
    if (rate_ == 0) return out_->Write(data);
    // Small slices, so the stream moves steadily rather than in bursts.
    while (!data.empty()) {
      size_t n = std::min<size_t>(data.size(), 16 << 10);
      VK_RETURN_IF_ERROR(out_->Write(data.subspan(0, n)));
      data = data.subspan(n);
      sent_ += n;
      auto due = start_ + std::chrono::microseconds(sent_ * 1000000 / rate_);
      std::this_thread::sleep_until(due);
    }
    return Status::Ok();
  }

 private:
  ByteSink* out_;
  uint64_t rate_;
  uint64_t sent_ = 0;
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

std::optional<logical::Operation> MethodOperation(const httpd::Request& req,
                                                  const std::string& method) {
  using logical::Operation;
  if (method == "GET") {
    auto list = req.Query("list");
    if (list && ParseGoBool(*list).value_or(false)) return Operation::kList;
    return Operation::kRead;
  }
  if (method == "LIST") return Operation::kList;
  if (method == "POST" || method == "PUT") return Operation::kUpdate;
  if (method == "DELETE") return Operation::kDelete;
  if (method == "PATCH") return Operation::kPatch;
  return std::nullopt;
}

acl::Capability CapabilityFor(logical::Operation op) {
  switch (op) {
    case logical::Operation::kRead:
      return acl::kRead;
    case logical::Operation::kCreate:
      return acl::kCreate;
    case logical::Operation::kUpdate:
      return acl::kUpdate;
    case logical::Operation::kDelete:
      return acl::kDelete;
    case logical::Operation::kList:
      return acl::kList;
    case logical::Operation::kPatch:
      return acl::kPatch;
  }
  return acl::kDeny;
}

std::optional<std::string> TokenFrom(const httpd::Request& req) {
  if (auto t = req.Header("X-Vault-Token"); t && !t->empty()) return t;
  if (auto a = req.Header("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (a->size() > kBearer.size() &&
        EqualsIgnoreCase(std::string_view(*a).substr(0, kBearer.size()),
                         kBearer))
      return a->substr(kBearer.size());
  }
  return std::nullopt;
}

// Vault checks a list request against the folder, with a trailing '/'.
std::string AclPath(const std::string& path, logical::Operation op) {
  if (op == logical::Operation::kList && !path.empty() && path.back() != '/')
    return path + "/";
  return path;
}

}  // namespace

std::optional<std::string> StringField(const nlohmann::json& body,
                                       const char* name, std::string fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<bool> BoolField(const nlohmann::json& body, const char* name,
                              bool fallback) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::optional<bool> ParseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" ||
      s == "True")
    return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" ||
      s == "False")
    return false;
  return std::nullopt;
}

void SendJson(httpd::ResponseWriter& w, int status,
              const nlohmann::json& body) {
  w.SetHeader("Cache-Control", "no-store");
  w.Send(status,
         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n",
         "application/json");
}

void SendError(httpd::ResponseWriter& w, int status, std::string message) {
  if (message == kSealedError) status = 503;
  nlohmann::json errors = nlohmann::json::array();
  if (!message.empty()) errors.push_back(std::move(message));
  SendJson(w, status, {{"errors", errors}});
}

nlohmann::json Envelope(nlohmann::json data, nlohmann::json auth,
                        std::vector<std::string> warnings,
                        std::string mount_type) {
  return {{"request_id", NewUuid()},
          {"lease_id", ""},
          {"renewable", false},
          {"lease_duration", 0},
          {"data", std::move(data)},
          {"wrap_info", nullptr},
          {"warnings",
           warnings.empty() ? nlohmann::json() : nlohmann::json(warnings)},
          {"auth", std::move(auth)},
          {"mount_type", std::move(mount_type)}};
}

void SendLogical(httpd::ResponseWriter& w, const logical::Response& r,
                 std::string mount_type) {
  if (!r.errors.empty() || (r.status >= 400 && r.data.is_null())) {
    nlohmann::json body = {{"errors", r.errors}};
    if (!r.data.is_null()) body["data"] = r.data;
    SendJson(w, r.status, body);
    return;
  }
  if (r.data.is_null() && r.warnings.empty()) {
    w.SetHeader("Cache-Control", "no-store");
    w.Send(r.status == 200 ? 204 : r.status, "", "application/json");
    return;
  }
  SendJson(w, r.status,
           Envelope(r.data, nullptr, r.warnings, std::move(mount_type)));
}

bool Api::ReadJson(Call& c) {
  std::string body;
  if (!ReadBody(c, &body)) return false;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  try {
    c.body = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    SendError(*c.w, 400,
              std::string("failed to parse JSON input: ") + e.what());
    return false;
  }
  if (!c.body.is_object()) {
    SendError(*c.w, 400,
              "failed to parse JSON input: the body must be a JSON object");
    return false;
  }
  return true;
}

bool Api::ReadBody(Call& c, std::string* body) {
  auto read = ReadAllBounded(c.req->body(), kMaxJsonBody);
  if (!read.ok()) {
    if (read.status().code() == StatusCode::kInvalidArgument)
      SendError(*c.w, 413, "http: request body too large");
    else
      SendError(*c.w, 400, "failed to read request body");
    return false;
  }
  // Before anything parses it (nlohmann's documents copy and dump
  // recursively), and before a standby forwards it, as Vault's listener
  // does.
  if (Status s =
          logical::CheckJsonLimits(read.value(), logical::kRequestJsonLimits);
      !s.ok()) {
    SendError(*c.w, kJsonLimitStatus, s.message());
    return false;
  }
  *body = std::move(read).value();
  return true;
}

void Api::Handle(httpd::Request& req, httpd::ResponseWriter& w) {
  Call c{&req, &w, "", req.method};
  if (req.path.rfind("/v1/", 0) != 0) {
    SendError(w, 404, "");
    return;
  }
  c.path = req.path.substr(4);
  while (!c.path.empty() && c.path.front() == '/') c.path.erase(0, 1);

  if (c.path == "sys/health") return Health(c);
  if (c.path == "sys/leader") return Leader(c);
  if (c.path == "sys/seal-status") return SealStatusCall(c);
  if (c.path == "sys/init") return InitCall(c);
  if (c.path == "sys/unseal") return UnsealCall(c);
  if (c.path == "sys/storage/raft/join") return Join(c);
  if (StandbyHandled(c)) return;
  if (c.path == "sys/storage/raft/bootstrap/challenge")
    return BootstrapChallenge(c);
  if (c.path == "sys/storage/raft/bootstrap/answer") return BootstrapAnswer(c);
  Authenticated(c);
}

void Api::Authenticated(Call& c) {
  auto op = MethodOperation(*c.req, c.method);
  if (!op) {
    SendError(*c.w, 405, "");
    return;
  }
  bool snapshot_upload = (c.method == "POST" || c.method == "PUT") &&
                         (c.path == "sys/storage/raft/snapshot" ||
                          c.path == "sys/storage/raft/snapshot-force");
  Core::Access access = core_->Begin();
  if (access.sealed()) {
    SendError(*c.w, 503, kSealedError);
    return;
  }
  auto token_id = TokenFrom(*c.req);
  if (!token_id) {
    SendError(*c.w, 403, "permission denied");
    return;
  }
  auto token = access.LookupToken(*token_id);
  if (!token.ok()) {
    SendError(*c.w, 500, token.status().message());
    return;
  }
  if (!token.value()) {
    SendError(*c.w, 403, "permission denied");
    return;
  }
  auto acl = access.AclFor(*token.value());
  if (!acl.ok()) {
    SendError(*c.w, 500, acl.status().message());
    return;
  }
  if (!snapshot_upload && !ReadJson(c)) return;

  // Engines decide create vs update; everything else is update (Vault: no
  // existence check means update).
  MountTable mounts = access.mounts();
  const MountEntry* mount = nullptr;
  bool sys = c.path.rfind("sys/", 0) == 0 || c.path.rfind("auth/", 0) == 0;
  if (!sys) mount = mounts.Match(c.path);
  if (mount) return Engine(c, access, *mount, acl.value());

  if (!acl.value().Allows(AclPath(c.path, *op), CapabilityFor(*op))) {
    SendError(*c.w, 403, "permission denied");
    return;
  }
  if (c.path == "sys/storage/raft/snapshot" && c.method == "GET")
    return Snapshot(c, access, false);
  if (snapshot_upload)
    return Snapshot(c, access, c.path == "sys/storage/raft/snapshot-force");
  if (c.path == "sys/seal" && (c.method == "PUT" || c.method == "POST")) {
    if (!acl.value().Allows(c.path, acl::kSudo)) {
      SendError(*c.w, 403, "permission denied");
      return;
    }
    // Seal needs the state lock exclusively: give ours up first.
    { Core::Access released = std::move(access); }
    Status s = core_->Seal();
    if (!s.ok()) return SendError(*c.w, 500, s.message());
    c.w->Send(204, "", "application/json");
    return;
  }
  if (c.path == "sys/storage/raft/configuration" &&
      *op == logical::Operation::kRead)
    return RaftConfiguration(c);
  if (c.path == "sys/storage/raft/remove-peer" &&
      *op == logical::Operation::kUpdate)
    return RemovePeer(c);
  if (c.path == "sys/mounts" || c.path.rfind("sys/mounts/", 0) == 0)
    return Mounts(c, access, c.path.size() > 10 ? c.path.substr(11) : "");
  if (c.path == "sys/policies/acl" || c.path.rfind("sys/policies/acl/", 0) == 0)
    return Policies(c, access, c.path.size() > 16 ? c.path.substr(17) : "",
                    false);
  if (c.path == "sys/policy" || c.path.rfind("sys/policy/", 0) == 0)
    return Policies(c, access, c.path.size() > 10 ? c.path.substr(11) : "",
                    true);
  if (c.path == "auth/token/create" && *op == logical::Operation::kUpdate)
    return TokenCreate(c, access, *token.value(), acl.value());
  if (c.path == "sys/capabilities-self") {
    if (*op != logical::Operation::kUpdate)
      return SendError(*c.w, 405, "unsupported operation");
    return CapabilitiesSelf(c, acl.value());
  }
  if (c.path == "auth/token/lookup-self" && *op == logical::Operation::kRead)
    return TokenLookup(c, *token.value());
  if (c.path == "auth/token/lookup" && *op == logical::Operation::kUpdate) {
    auto id = StringField(c.body, "token");
    if (!id) return SendError(*c.w, 400, "'token' must be a string");
    auto other = access.LookupToken(*id);
    if (!other.ok()) return SendError(*c.w, 500, other.status().message());
    if (!other.value()) return SendError(*c.w, 403, "bad token");
    return TokenLookup(c, *other.value());
  }
  SendError(*c.w, 404,
            "no handler for route \"" + c.path + "\". route entry not found.");
}

void Api::Snapshot(Call& c, Core::Access& access, bool force) {
  if (c.method == "GET") {
    auto snap = access.OpenSnapshot();
    if (!snap.ok()) return SendError(*c.w, 500, snap.status().message());
    c.w->SetStatus(200);
    c.w->SetHeader("Content-Type", "application/gzip");
    c.w->SetHeader("Content-Disposition", "attachment");
    c.w->SetHeader("Cache-Control", "no-store");
    httpd::ResponseSink sink(*c.w);
    RateLimitedSink limited(&sink, snapshot_rate_);
    // A failure mid-stream cannot change the status; the client sees a
    // truncated archive without SHA256SUMS.sealed, as with Vault.
    (void)WriteArchive(*snap.value(), access.kek(), limited);
    return;
  }
  auto staged =
      StageRestore(*core_->store(), c.req->body(), access.kek(), force);
  if (!staged.ok()) {
    if (staged.status().code() == StatusCode::kPermissionDenied)
      return SendError(*c.w, 400, staged.status().message());
    return SendError(*c.w, 500, staged.status().message());
  }
  // 204 first; the restore runs after the answer, as in Vault.
  c.w->SetHeader("Cache-Control", "no-store");
  c.w->Send(204, "", "application/json");
  { Core::Access released = std::move(access); }
  core_->CommitRestoreAsync(std::move(staged).value());
}

void Api::Engine(Call& c, Core::Access& access, const MountEntry& mount,
                 const acl::Acl& acl) {
  auto op = MethodOperation(*c.req, c.method);
  std::string sub = c.path.size() >= mount.path.size()
                        ? c.path.substr(mount.path.size())
                        : std::string();
  auto view = access.View(mount.storage_prefix());
  kv2::Engine engine(view.get());
  // KV v2 paths name their secret after the first segment (data/x,
  // metadata/x, delete/x, ...): writes to one secret serialize.
  size_t slash = sub.find('/');
  auto lock = access.LockWrites(
      mount.uuid + "/" +
      (slash == std::string::npos ? sub : sub.substr(slash + 1)));
  if (*op == logical::Operation::kRead || *op == logical::Operation::kList)
    lock.unlock();
  if (*op == logical::Operation::kUpdate) {
    auto resolved = engine.ResolveWriteOperation(sub);
    if (!resolved.ok())
      return SendError(*c.w, 500, resolved.status().message());
    op = resolved.value();
  }
  if (!acl.Allows(AclPath(c.path, *op), CapabilityFor(*op))) {
    SendError(*c.w, 403, "permission denied");
    return;
  }
  logical::Request lreq;
  lreq.op = *op;
  lreq.path = sub;
  lreq.data = std::move(c.body);
  for (const auto& [k, v] : c.req->query) lreq.query.emplace(k, v);
  SendLogical(*c.w, engine.Handle(lreq), mount.type);
}

}  // namespace vk::minivault
