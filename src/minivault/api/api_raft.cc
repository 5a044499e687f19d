// The raft side of minivault's API: joining, the bootstrap challenge, the
// configuration and remove-peer endpoints, and what a standby does with
// the requests it does not answer itself.
//
// Standbys (docs/minivault-cluster.md): the snapshot paths answer 307 to
// the active node's API address (Vault never forwards them: the stream
// would pass through the standby); every other authenticated request is
// forwarded to the active node over HTTP and its answer relayed, as
// Vault's request forwarding does. Health, leader, seal status, init,
// unseal and join are always answered by the node itself.
#include <openssl/crypto.h>

#include "kit/barrier/seal_config.h"
#include "kit/base/strings.h"
#include "kit/httpc/client.h"
#include "minivault/api/api.h"
#include "minivault/api/vault_call.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {
namespace {

// Headers a forwarded request keeps (the rest describe the hop).
constexpr const char* kForwardHeaders[] = {
    "X-Vault-Token",   "Authorization",    "Content-Type",
    "X-Vault-Request", "X-Vault-Wrap-TTL", "X-Vault-Namespace"};

std::string QueryString(const httpd::Request& req) {
  std::string q;
  for (const auto& [k, v] : req.query) {
    q += q.empty() ? "?" : "&";
    q += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return q;
}

bool IsSnapshotPath(const std::string& path) {
  return path == "sys/storage/raft/snapshot" ||
         path == "sys/storage/raft/snapshot-force";
}

// A JSON call to another node's API (join: challenge and answer).
Result<httpc::Response> CallNode(const std::string& api_addr,
                                 const std::string& path,
                                 const nlohmann::json& body) {
  httpc::Client client({.connect_timeout_ms = 3000, .timeout_ms = 90000});
  return CallVault(client, api_addr, "POST", path, &body);
}

}  // namespace

bool Api::StandbyHandled(Call& c) {
  if (!raft_ || core_->sealed() || raft_->IsActive()) return false;
  RaftStatus rs = raft_->status();
  // The leader that has not yet applied an entry of its term is about to
  // become active: it answers itself (writes wait for that entry).
  if (rs.leader) return false;
  std::string leader = rs.leader_peer ? rs.leader_peer->api_addr : "";
  if (leader.empty()) {
    SendError(*c.w, 500,
              "local node not active but active cluster node not found");
    return true;
  }
  if (IsSnapshotPath(c.path)) {
    c.w->SetHeader("Location", leader + c.req->path + QueryString(*c.req));
    c.w->SetHeader("Cache-Control", "no-store");
    c.w->Send(307, "", "application/json");
    return true;
  }
  Forward(c, leader);
  return true;
}

void Api::Forward(Call& c, const std::string& leader_api) {
  std::string body;
  if (!ReadBody(c, &body)) return;
  httpc::Options opt;
  opt.connect_timeout_ms = 3000;
  opt.timeout_ms = 120000;
  httpc::Client client(opt);
  httpc::Request req;
  req.method = c.method;
  req.url = leader_api + c.req->path + QueryString(*c.req);
  req.body = std::move(body);
  for (const char* name : kForwardHeaders) {
    if (auto v = c.req->Header(name)) req.headers.emplace_back(name, *v);
  }
  auto resp = client.Do(req);
  if (!resp.ok()) {
    return SendError(*c.w, 500,
                     "error forwarding the request to the active node: " +
                         resp.status().message());
  }
  for (const char* name : {"Cache-Control", "Location", "Content-Disposition"})
    if (auto v = resp.value().Header(name)) c.w->SetHeader(name, *v);
  c.w->Send(resp.value().status, std::move(resp.value().body),
            resp.value().Header("Content-Type").value_or("application/json"));
}

void Api::Join(Call& c) {
  if (c.method != "POST" && c.method != "PUT") return SendError(*c.w, 405, "");
  if (!ReadJson(c)) return;
  if (!raft_) return SendError(*c.w, 400, "raft storage is not in use");
  auto leader = StringField(c.body, "leader_api_addr");
  if (!leader)
    return SendError(*c.w, 400, "'leader_api_addr' must be a string");
  if (leader->empty())
    return SendError(*c.w, 400,
                     "'leader_api_addr' is required (auto-join is not "
                     "supported by minivault)");
  while (!leader->empty() && leader->back() == '/') leader->pop_back();
  auto init = core_->Initialized();
  if (!init.ok()) return SendError(*c.w, 500, init.status().message());
  if (init.value())
    return SendError(*c.w, 400, "join can't be invoked on an initialized node");
  const PeerIdentity& self = raft_->self();
  auto resp = CallNode(*leader, "sys/storage/raft/bootstrap/challenge",
                       {{"server_id", self.node_id}});
  if (!resp.ok())
    return SendError(
        *c.w, 500, "failed to get raft challenge: " + resp.status().message());
  if (resp.value().status != 200)
    return SendError(
        *c.w, 500,
        "failed to get raft challenge: " + VaultErrorText(resp.value()));
  auto j = logical::ParseJsonOrDiscarded(resp.value().body,
                                         logical::kRequestJsonLimits);
  if (!j.is_object() || !j["challenge"].is_string() ||
      !j["seal_config"].is_object())
    return SendError(*c.w, 500, "malformed raft challenge from the leader");
  auto challenge = Base64Decode(j["challenge"].get<std::string>());
  auto seal = barrier::DecodeSealConfig(j["seal_config"].dump());
  if (!challenge.ok() || !seal.ok())
    return SendError(*c.w, 500, "malformed raft challenge from the leader");
  Core::JoinInfo info;
  info.seal_config = seal.value();
  info.challenge = std::move(challenge).value();
  std::string leader_addr = *leader;
  PeerIdentity me = self;
  info.answer = [leader_addr, me](const std::string& secret) -> Status {
    auto r = CallNode(leader_addr, "sys/storage/raft/bootstrap/answer",
                      {{"server_id", me.node_id},
                       {"answer", Base64Encode(secret)},
                       {"cluster_addr", me.cluster_addr}});
    if (!r.ok()) return r.status();
    if (r.value().status != 200)
      return Unavailable("failed to join the raft cluster: " +
                         VaultErrorText(r.value()));
    return Status::Ok();
  };
  core_->SetJoin(std::move(info));
  SendJson(*c.w, 200, {{"joined", true}});
}

void Api::BootstrapChallenge(Call& c) {
  if (c.method != "POST" && c.method != "PUT") return SendError(*c.w, 405, "");
  if (!ReadJson(c)) return;
  auto id = StringField(c.body, "server_id");
  if (!id || id->empty()) return SendError(*c.w, 400, "no server id provided");
  auto ch = core_->NewJoinChallenge();
  if (!ch.ok()) return SendError(*c.w, 503, ch.status().message());
  {
    std::lock_guard l(challenges_mu_);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(challenges_,
                  [&](const auto& kv) { return kv.second.expires < now; });
    challenges_[*id] = {ch.value().secret, now + std::chrono::minutes(5)};
  }
  SendJson(*c.w, 200,
           {{"challenge", Base64Encode(ch.value().challenge)},
            {"seal_config", nlohmann::json::parse(barrier::EncodeSealConfig(
                                ch.value().seal_config))}});
}

void Api::BootstrapAnswer(Call& c) {
  if (c.method != "POST" && c.method != "PUT") return SendError(*c.w, 405, "");
  if (!ReadJson(c)) return;
  auto id = StringField(c.body, "server_id");
  auto answer = StringField(c.body, "answer");
  auto addr = StringField(c.body, "cluster_addr");
  if (!id || id->empty()) return SendError(*c.w, 400, "no server id provided");
  if (!answer || answer->empty())
    return SendError(*c.w, 400, "no answer provided");
  if (!addr || addr->empty())
    return SendError(*c.w, 400, "no cluster_addr provided");
  if (!raft_ || core_->sealed()) return SendError(*c.w, 503, kSealedError);
  auto given = Base64Decode(*answer);
  std::string expected;
  {
    std::lock_guard l(challenges_mu_);
    auto it = challenges_.find(*id);
    if (it == challenges_.end() ||
        it->second.expires < std::chrono::steady_clock::now())
      return SendError(*c.w, 400,
                       "no expected answer for the server id provided");
    expected = it->second.secret;
    if (given.ok() && given.value().size() == expected.size() &&
        CRYPTO_memcmp(given.value().data(), expected.data(), expected.size()) ==
            0) {
      challenges_.erase(it);
    } else {
      return SendError(*c.w, 400, "invalid answer given");
    }
  }
  if (Status s = raft_->AddVoter({*id, *addr}); !s.ok())
    return SendError(*c.w, 500, "failed to add peer: " + s.message());
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& srv : raft_->status().servers)
    peers.push_back(
        {{"server_id", srv.node_id}, {"cluster_addr", srv.address}});
  SendJson(*c.w, 200, {{"peers", peers}});
}

void Api::RaftConfiguration(Call& c) {
  nlohmann::json servers = nlohmann::json::array();
  uint64_t index = core_->store()->configuration().index;
  if (raft_) {
    for (const auto& s : raft_->status().servers) {
      servers.push_back({{"node_id", s.node_id},
                         {"address", s.address},
                         {"leader", s.leader},
                         {"protocol_version", "3"},
                         {"voter", s.voter}});
    }
  } else {
    for (const auto& s : core_->store()->configuration().servers) {
      servers.push_back({{"node_id", s.id},
                         {"address", s.address},
                         {"leader", true},
                         {"protocol_version", "3"},
                         {"voter", s.suffrage == 0}});
    }
  }
  SendJson(*c.w, 200,
           Envelope({{"config", {{"index", index}, {"servers", servers}}}}));
}

void Api::RemovePeer(Call& c) {
  auto id = StringField(c.body, "server_id");
  if (!id) return SendError(*c.w, 400, "'server_id' must be a string");
  if (id->empty()) return SendError(*c.w, 400, "no server id provided");
  if (!raft_) return SendError(*c.w, 400, "raft storage is not in use");
  if (*id == raft_->self().node_id)
    return SendError(*c.w, 400,
                     "the active node cannot remove itself; remove it from "
                     "another node after it steps down");
  Status s = raft_->RemovePeer(*id);
  if (!s.ok()) {
    int code = s.code() == StatusCode::kInvalidArgument ? 400 : 500;
    return SendError(*c.w, code, s.message());
  }
  c.w->SetHeader("Cache-Control", "no-store");
  c.w->Send(204, "", "application/json");
}

}  // namespace vk::minivault
