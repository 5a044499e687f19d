// A Vault API client for vaultkeep: typed calls for the endpoints a backup
// and a restore need, against one node address at a time.
//
// Contracts:
//  - Addresses are "scheme://host:port" (no path). Every call names the
//    node it talks to; finding the active node is the caller's business
//    (vaultkeep/vault/leader.h), so a 307 is never followed here: `Snapshot`
//    and `Restore` return kFailedPrecondition saying the node is a standby and
//    naming the Location's scheme://host:port (also in last_redirect()),
//    with a StandbyRedirect detail that callers test instead of the text.
//  - The token is sent as X-Vault-Token and never appears in a Status, a
//    log line or argv. Error texts carry the method, the path (never the
//    query), the HTTP status and the first of Vault's "errors".
//  - Small calls have a whole-request timeout (`request_timeout_ms`).
//    Snapshot and restore streams have none: they fail on a stall instead
//    (fewer than `stall_bytes_per_s` for `stall_timeout_s`), so a 20 GiB
//    snapshot over a slow link works and a hung server does not hang us.
//    A stream that stops dead is cut within about a second of
//    stall_timeout_s (httpc measures the window itself).
//  - Transient failures (connection refused/reset, timeouts, HTTP 500, 502,
//    503 (not "Vault is sealed"), 504, 429 from a call that is not a health
//    probe) of *small idempotent calls* are retried with exponential backoff
//    (`retry`, kit/base/retry.h; the waits on `clock`); everything else is
//    reported at once. Unseal and Write are not idempotent enough to resend
//    after a request may have arrived: they retry only failures before it left
//    (connection refused, name resolution, connect timeout). Streams are never
//    retried here: whether to retry a whole snapshot is the backup flow's
//    decision (it must re-check the leader first).
//  - Status codes: kUnavailable for transport failures and 5xx/429 (after
//    retries); kPermissionDenied for 403 ("permission denied"); kNotFound
//    for 404; kInvalidArgument for other 4xx; kFailedPrecondition for a
//    307 or a sealed/uninitialized node where it must not be (a 503
//    "Vault is sealed" is not retried).
//  - Calls of the unauthenticated endpoints (health, leader, seal-status,
//    unseal) never send the token: FindActive asks addresses a node
//    advertises, and a token must only go where a token is needed.
#ifndef VAULTKEEP_VAULT_CLIENT_H_
#define VAULTKEEP_VAULT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/clock.h"
#include "kit/base/result.h"
#include "kit/base/retry.h"

namespace vk::vault {

struct TlsOptions {
  std::string ca_file;           // PEM file of trusted CAs (VAULT_CACERT)
  std::string ca_pem;            // PEM text (an AppBinding's caBundle)
  std::string client_cert_file;  // PEM (VAULT_CLIENT_CERT)
  std::string client_key_file;   // PEM (VAULT_CLIENT_KEY)
  // Name the server certificate must carry, when it differs from the
  // address's host (VAULT_TLS_SERVER_NAME); also sent as SNI.
  std::string server_name;
  bool insecure_skip_verify = false;  // VAULT_SKIP_VERIFY
};

// The detail of a kFailedPrecondition from a node that redirected the call:
// it is a standby, and `active` (scheme://host:port, or a placeholder when
// the Location had none) is the node it named.
struct StandbyRedirect : StatusDetail {
  explicit StandbyRedirect(std::string a) : active(std::move(a)) {}
  std::string active;
};

struct ClientOptions {
  TlsOptions tls;
  long connect_timeout_ms = 5000;
  long request_timeout_ms = 30000;
  long stall_timeout_s = 60;
  long stall_bytes_per_s = 1;
  // Tries of one small call and the waits between them.
  RetryPolicy retry{.attempts = 5,
                    .initial = std::chrono::milliseconds(200),
                    .max = std::chrono::milliseconds(5000)};
  Clock* clock = &RealClock();  // where retries wait
};

// sys/health, asked with standbyok/sealedcode/uninitcode set so that every
// state answers 200 with a body.
struct Health {
  bool initialized = false;
  bool sealed = false;
  bool standby = false;
  std::string version;
  std::string cluster_id;
  std::string cluster_name;
};

// sys/leader.
struct LeaderInfo {
  bool ha_enabled = false;
  bool is_self = false;
  std::string leader_address;          // API address of the active node
  std::string leader_cluster_address;  // its cluster (raft) address
  uint64_t raft_committed_index = 0;   // 0 when the server does not say
  uint64_t raft_applied_index = 0;
};

// sys/seal-status.
struct SealStatus {
  std::string type;  // "shamir", "awskms", ...
  bool initialized = false;
  bool sealed = true;
  int threshold = 0;  // "t"
  int shares = 0;     // "n"
  int progress = 0;
  std::string version;
  std::string cluster_id;
};

// One server of sys/storage/raft/configuration.
struct RaftServer {
  std::string node_id;
  std::string address;
  bool leader = false;
  bool voter = false;
};

// Why sys/unseal refused a key (Vault's texts, sorted once here).
enum class UnsealRefusal {
  kNone,
  kMalformedKey,  // "'key' must be a valid hex or base64 string", or a length
  kWrongKeys,     // "Unseal failed, invalid key": the combined shares are
                  // wrong; Vault has cleared the progress
};

// Progress of a snapshot or restore stream: bytes so far.
using ProgressFn = ByteCountFn;

class Client {
 public:
  // `token` may be empty for the unauthenticated calls (health, leader,
  // seal-status, unseal).
  Client(ClientOptions options, std::string token);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const { return options_; }
  // The clock of this session with Vault: its retries wait on it, and the
  // flows that use the client (finding the leader, restores, unseals) poll
  // and time their steps on it, so one fake clock drives a whole test.
  Clock& clock() const { return *options_.clock; }
  void set_token(std::string token);

  Result<Health> GetHealth(const std::string& addr);
  Result<LeaderInfo> GetLeader(const std::string& addr);
  Result<SealStatus> GetSealStatus(const std::string& addr);
  // PUT sys/unseal {"key": key}. A wrong key is kInvalidArgument with
  // Vault's text, and `refusal` (when not null) says which kind; the key
  // itself never appears in the Status.
  Result<SealStatus> Unseal(const std::string& addr, const std::string& key,
                            UnsealRefusal* refusal = nullptr);
  // PUT sys/unseal {"reset": true}: discards the key shares entered so far
  // (an interrupted run's, say), so the next shares start a fresh attempt.
  Result<SealStatus> ResetUnseal(const std::string& addr);
  // GET sys/storage/raft/configuration (needs a token).
  Result<std::vector<RaftServer>> RaftConfiguration(const std::string& addr);
  // POST sys/capabilities-self {"paths": [path]}: the token's capabilities
  // on `path` ("root", "read", "update", "deny", ...). Vault's default
  // policy grants it to every token; 403 means the token is invalid or
  // has neither the default policy nor a grant on this path.
  Result<std::vector<std::string>> CapabilitiesSelf(const std::string& addr,
                                                    const std::string& path);
  // GET any path under /v1/ with the token; the "data" object of the
  // answer (or the whole body when it has none). `path` may carry a query
  // (left out of error texts).
  Result<nlohmann::json> Read(const std::string& addr, const std::string& path);
  // PUT JSON to a path under /v1/ with the token (Vault treats PUT and
  // POST alike); the answer as Read's, {} for a 204. For the demo's writes.
  Result<nlohmann::json> Write(const std::string& addr, const std::string& path,
                               const nlohmann::json& body);

  // GET sys/storage/raft/snapshot from `addr` into `out` (not Closed).
  // kFailedPrecondition naming the Location when the node answers 307
  // (it is a standby). Bytes already written to `out` on failure are the
  // caller's to discard.
  Status Snapshot(const std::string& addr, ByteSink* out,
                  const ProgressFn& progress = nullptr);
  // POST the archive read from `body` to sys/storage/raft/snapshot, or
  // snapshot-force when `force`. Vault answers 204 before the restore
  // runs. Vault's "different set of unseal keys" 400 comes back as
  // kFailedPrecondition with a hint to use force.
  Status Restore(const std::string& addr, ByteSource* body, bool force,
                 const ProgressFn& progress = nullptr);

  // scheme://host:port of the Location of the last Snapshot/Restore that
  // was answered with a redirect; empty when the last one was not.
  const std::string& last_redirect() const;

 private:
  ClientOptions options_;
  std::string token_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Normalizes a user-given address: trims a trailing "/" and a "/v1"
// suffix, and requires http:// or https:// and a host.
Result<std::string> NormalizeAddr(std::string_view addr);

}  // namespace vk::vault

#endif  // VAULTKEEP_VAULT_CLIENT_H_
