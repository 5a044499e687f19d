// The unauthenticated system endpoints: sys/health, sys/leader,
// sys/seal-status, sys/init, sys/unseal (reference §5).
#include <chrono>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "kit/crypto/sha256.h"
#include "minivault/api/api.h"

namespace vk::minivault {
namespace {

// Go's strconv.Atoi over the whole string.
std::optional<int> Atoi(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return static_cast<int>(s[0] == '-' ? -v : v);
}

// Finds a key the way Go's encoding/json does for untagged fields.
const nlohmann::json* FieldCI(const nlohmann::json& obj,
                              std::string_view name) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(std::string(name)); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (EqualsIgnoreCase(it.key(), name)) return &*it;
  }
  return nullptr;
}

}  // namespace

void Api::Health(Call& c) {
  if (c.method != "GET" && c.method != "HEAD") return SendError(*c.w, 405, "");
  struct Param {
    const char* name;
    int code;
  };
  Param codes[] = {{"activecode", 200},      {"standbycode", 429},
                   {"drsecondarycode", 472}, {"performancestandbycode", 473},
                   {"haunhealthycode", 474}, {"sealedcode", 503},
                   {"uninitcode", 501},      {"removedcode", 530}};
  for (auto& p : codes) {
    if (auto v = c.req->Query(p.name)) {
      auto n = Atoi(*v);
      if (!n) return SendError(*c.w, 400, "");
      p.code = *n;
    }
  }
  for (const char* name : {"standbyok", "perfstandbyok"}) {
    if (auto v = c.req->Query(name); v && !ParseGoBool(*v))
      return SendError(*c.w, 400, "");
  }
  auto initialized = core_->Initialized();
  if (!initialized.ok())
    return SendError(*c.w, 500, initialized.status().message());
  SealStatus st = core_->GetSealStatus();
  bool standby = !st.sealed && raft_ && !raft_->IsActive();
  int status = codes[0].code;
  if (!initialized.value())
    status = codes[6].code;
  else if (st.sealed)
    status = codes[5].code;
  else if (standby &&
           !ParseGoBool(c.req->Query("standbyok").value_or("")).value_or(false))
    status = codes[1].code;
  nlohmann::json body = {{"initialized", initialized.value()},
                         {"sealed", st.sealed},
                         {"standby", st.sealed || standby},
                         {"performance_standby", false},
                         {"replication_performance_mode", "disabled"},
                         {"replication_dr_mode", "disabled"},
                         {"server_time_utc", UnixNow()},
                         {"version", kVersion},
                         {"enterprise", false},
                         {"echo_duration_ms", 0},
                         {"clock_skew_ms", 0},
                         {"replication_primary_canary_age_ms", 0},
                         {"removed_from_cluster", false}};
  if (!st.sealed) {
    body["cluster_name"] = st.cluster_name;
    body["cluster_id"] = st.cluster_id;
  }
  if (c.method == "HEAD") {
    c.w->SetHeader("Cache-Control", "no-store");
    c.w->Send(status, "", "application/json");
    return;
  }
  SendJson(*c.w, status, body);
}

void Api::Leader(Call& c) {
  if (c.method != "GET") return SendError(*c.w, 405, "");
  // Vault: Core.Leader returns ErrSealed, which RespondError sends as 503.
  if (core_->sealed()) return SendError(*c.w, 503, kSealedError);
  bool is_self = !raft_ || raft_->IsActive();
  std::string leader_api = core_->options().api_addr;
  std::string leader_cluster = core_->options().cluster_addr;
  uint64_t committed = core_->store()->applied_index();
  uint64_t applied = committed;
  if (raft_) {
    RaftStatus rs = raft_->status();
    committed = rs.commit;
    applied = rs.applied;
    if (!is_self) {
      leader_api = rs.leader_peer ? rs.leader_peer->api_addr : "";
      leader_cluster = rs.leader_peer ? rs.leader_peer->cluster_addr : "";
    }
  }
  SendJson(*c.w, 200,
           {{"ha_enabled", true},
            {"is_self", is_self},
            {"active_time", is_self ? FormatRfc3339(core_->active_time())
                                    : "0001-01-01T00:00:00Z"},
            {"leader_address", leader_api},
            {"leader_cluster_address",
             leader_cluster.empty() ? "" : "https://" + leader_cluster},
            {"performance_standby", false},
            {"performance_standby_last_remote_wal", 0},
            {"raft_committed_index", committed},
            {"raft_applied_index", applied}});
}

void Api::SealStatusCall(Call& c) {
  if (c.method != "GET") return SendError(*c.w, 405, "");
  SendJson(*c.w, 200, core_->GetSealStatus().ToJson());
}

void Api::InitCall(Call& c) {
  if (c.method == "GET") {
    auto init = core_->Initialized();
    if (!init.ok()) return SendError(*c.w, 500, init.status().message());
    return SendJson(*c.w, 200, {{"initialized", init.value()}});
  }
  if (c.method != "PUT" && c.method != "POST") return SendError(*c.w, 405, "");
  if (!ReadJson(c)) return;
  auto int_field = [&](const char* name, int* out) -> bool {
    const nlohmann::json* v = FieldCI(c.body, name);
    if (!v || v->is_null()) return true;
    if (!v->is_number_integer() || v->get<int64_t>() > INT32_MAX ||
        v->get<int64_t>() < INT32_MIN) {
      SendError(*c.w, 400,
                std::string("failed to parse JSON input: json: cannot "
                            "unmarshal ") +
                    v->type_name() + " into Go struct field InitRequest." +
                    name + " of type int");
      return false;
    }
    *out = static_cast<int>(v->get<int64_t>());
    return true;
  };
  int shares = 0, threshold = 0, stored = 0, rshares = 0, rthreshold = 0;
  if (!int_field("secret_shares", &shares) ||
      !int_field("secret_threshold", &threshold) ||
      !int_field("stored_shares", &stored) ||
      !int_field("recovery_shares", &rshares) ||
      !int_field("recovery_threshold", &rthreshold))
    return;
  if (rshares != 0 || rthreshold != 0 || FieldCI(c.body, "recovery_pgp_keys"))
    return SendError(*c.w, 400,
                     "parameters specific to auto unseal seals present");
  for (const char* pgp : {"pgp_keys", "root_token_pgp_key"}) {
    const nlohmann::json* v = FieldCI(c.body, pgp);
    if (v && !v->is_null() && !(v->is_array() && v->empty()) &&
        !(v->is_string() && v->get<std::string>().empty()))
      return SendError(*c.w, 400,
                       "minivault does not encrypt keys with PGP; leave "
                       "pgp_keys and root_token_pgp_key out");
  }
  auto result = core_->Init(shares, threshold);
  if (!result.ok()) {
    int code =
        result.status().code() == StatusCode::kInvalidArgument ? 400 : 500;
    return SendError(*c.w, code, result.status().message());
  }
  nlohmann::json keys = nlohmann::json::array(),
                 keys64 = nlohmann::json::array();
  for (const auto& k : result.value().keys) {
    keys.push_back(HexEncode(AsBytes(k)));
    keys64.push_back(Base64Encode(k));
  }
  SendJson(*c.w, 200,
           {{"keys", keys},
            {"keys_base64", keys64},
            {"root_token", result.value().root_token}});
}

void Api::UnsealCall(Call& c) {
  if (c.method != "PUT" && c.method != "POST") return SendError(*c.w, 405, "");
  if (!ReadJson(c)) return;
  const nlohmann::json* key = FieldCI(c.body, "key");
  const nlohmann::json* reset = FieldCI(c.body, "reset");
  if (reset && !reset->is_boolean())
    return SendError(
        *c.w, 400,
        "failed to parse JSON input: json: cannot unmarshal " +
            std::string(reset->type_name()) +
            " into Go struct field UnsealRequest.Reset of type bool");
  if (key && !key->is_string() && !key->is_null())
    return SendError(
        *c.w, 400,
        "failed to parse JSON input: json: cannot unmarshal " +
            std::string(key->type_name()) +
            " into Go struct field UnsealRequest.Key of type string");
  auto init = core_->Initialized();
  if (!init.ok()) return SendError(*c.w, 500, init.status().message());
  if (!init.value() && !core_->joining())
    return SendError(*c.w, 400, "Vault is not initialized");
  if (reset && reset->get<bool>()) {
    if (Status s = core_->ResetUnseal(); !s.ok())
      return SendError(*c.w, 400, s.message());
    return SendJson(*c.w, 200, core_->GetSealStatus().ToJson());
  }
  std::string text = key && key->is_string() ? key->get<std::string>() : "";
  if (text.empty())
    return SendError(*c.w, 400,
                     "'key' must be specified in request body as JSON, or "
                     "'reset' set to true");
  // Hex first, accepted only at a plausible key length; then base64.
  std::string raw;
  auto hex = HexDecode(text);
  if (hex.ok() && hex.value().size() >= 16 && hex.value().size() <= 33) {
    raw = std::move(hex).value();
  } else {
    auto b64 = Base64Decode(text);
    if (!b64.ok())
      return SendError(*c.w, 400, "'key' must be a valid hex or base64 string");
    raw = std::move(b64).value();
  }
  auto st = core_->Unseal(raw);
  if (!st.ok()) {
    int code = st.status().code() == StatusCode::kInvalidArgument ? 400 : 500;
    return SendError(*c.w, code, st.status().message());
  }
  SendJson(*c.w, 200, st.value().ToJson());
}

}  // namespace vk::minivault
