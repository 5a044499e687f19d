// minivault's HTTP API: Vault's /v1 paths, JSON shapes, status codes and
// error envelope for the subset minivault serves (reference §1, §5, §7, §8).
// Routing, authentication and ACL checks live here; the state lives in Core
// and the engines.
#ifndef MINIVAULT_API_API_H_
#define MINIVAULT_API_API_H_

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kit/httpd/server.h"
#include "minivault/cluster/raft_host.h"
#include "minivault/core/core.h"
#include "minivault/logical/json_limits.h"
#include "minivault/logical/logical.h"

namespace vk::minivault {

// Vault's default max_request_size for JSON bodies (32 MiB). The snapshot
// upload is not JSON and has no cap. Every other body is also held to
// logical::kRequestJsonLimits before it is parsed or forwarded.
inline constexpr size_t kMaxJsonBody = logical::kMaxRequestBody;
// The status of a body over one of the JSON limits: 500 with the limit's
// text, as Vault answers it (http/util.go, wrapJSONLimitsHandler), so that
// clients see what they would see from Vault.
inline constexpr int kJsonLimitStatus = 500;

class Api {
 public:
  // `raft` is null in single-process tests (the node is always active).
  explicit Api(Core* core, RaftHost* raft = nullptr)
      : core_(core), raft_(raft) {}
  void Handle(httpd::Request& req, httpd::ResponseWriter& w);
  // Caps snapshot downloads at `bytes_per_second` (0: no cap). A test
  // knob (--snapshot-rate-limit): it keeps a transfer running long enough
  // to kill the server or its leadership in the middle of it.
  void set_snapshot_rate_limit(uint64_t bytes_per_second) {
    snapshot_rate_ = bytes_per_second;
  }

 private:
  struct Call {
    httpd::Request* req;
    httpd::ResponseWriter* w;
    std::string path;  // below /v1/, no leading '/'
    std::string method;
    nlohmann::json body = nlohmann::json::object();
  };

  // Unauthenticated system endpoints (api_sys.cc).
  void Health(Call& c);
  void Leader(Call& c);
  void SealStatusCall(Call& c);
  void InitCall(Call& c);
  void UnsealCall(Call& c);

  // Authenticated endpoints.
  void Authenticated(Call& c);
  void Snapshot(Call& c, Core::Access& access, bool force);
  void Mounts(Call& c, Core::Access& access, std::string_view rest);
  void Policies(Call& c, Core::Access& access, std::string_view rest,
                bool legacy);
  void TokenCreate(Call& c, Core::Access& access, const TokenEntry& parent,
                   const acl::Acl& acl);
  void TokenLookup(Call& c, const TokenEntry& token);
  void CapabilitiesSelf(Call& c, const acl::Acl& acl);
  void Engine(Call& c, Core::Access& access, const MountEntry& mount,
              const acl::Acl& acl);

  // Raft cluster endpoints and standby behaviour (api_raft.cc).
  // Whether a standby answered the call (redirect or forward).
  bool StandbyHandled(Call& c);
  void Forward(Call& c, const std::string& leader_api);
  void Join(Call& c);
  void BootstrapChallenge(Call& c);
  void BootstrapAnswer(Call& c);
  void RaftConfiguration(Call& c);
  void RemovePeer(Call& c);

  // Reads and parses a JSON body; on failure answers and returns false.
  bool ReadJson(Call& c);
  // Reads the raw body (at most kMaxJsonBody) and checks it against
  // logical::kRequestJsonLimits; on failure answers (413, or 400 with the
  // limit's text) and returns false.
  bool ReadBody(Call& c, std::string* body);

  Core* core_;
  RaftHost* raft_;
  uint64_t snapshot_rate_ = 0;
  // Join challenges handed out by this (active) node, by server id.
  struct PendingChallenge {
    std::string secret;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex challenges_mu_;
  std::map<std::string, PendingChallenge> challenges_;
};

// Helpers shared by the API files.
void SendJson(httpd::ResponseWriter& w, int status, const nlohmann::json& body);
// Vault's error envelope {"errors":[message]} ({"errors":[]} for an empty
// message). As Vault's RespondError (AdjustErrorStatusCode) does, the
// sealed error is sent as 503 whatever `status` says.
void SendError(httpd::ResponseWriter& w, int status, std::string message);
// Vault's consts.ErrSealed.
inline constexpr char kSealedError[] = "Vault is sealed";
// Vault's success envelope around `data` (and `auth`).
nlohmann::json Envelope(nlohmann::json data, nlohmann::json auth = nullptr,
                        std::vector<std::string> warnings = {},
                        std::string mount_type = "");
void SendLogical(httpd::ResponseWriter& w, const logical::Response& r,
                 std::string mount_type);
// Body fields read as Go decodes them into a struct: a missing or null
// field is the zero value (or `fallback`); a wrong type is nullopt.
std::optional<std::string> StringField(const nlohmann::json& body,
                                       const char* name,
                                       std::string fallback = "");
std::optional<bool> BoolField(const nlohmann::json& body, const char* name,
                              bool fallback = false);
// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(std::string_view s);

}  // namespace vk::minivault

#endif  // MINIVAULT_API_API_H_
