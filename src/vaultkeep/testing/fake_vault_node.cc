#include "vaultkeep/testing/fake_vault_node.h"

#include <utility>

namespace vk::vault::testing {

using nlohmann::json;

namespace {

void SendJson(httpd::ResponseWriter& w, int status, const json& j) {
  w.Send(status, j.dump());
}

void SendError(httpd::ResponseWriter& w, int status, const std::string& e) {
  SendJson(w, status, json{{"errors", json::array({e})}});
}

}  // namespace

FakeVaultNode::FakeVaultNode(NodeState state) : s_(std::move(state)) {
  v_.On("sys/health", [this](httpd::Request&, httpd::ResponseWriter& w) {
    std::lock_guard l(mu_);
    SendJson(w, 200, Health());
  });
  v_.On("sys/seal-status", [this](httpd::Request&, httpd::ResponseWriter& w) {
    std::lock_guard l(mu_);
    SendJson(w, 200, SealStatus());
  });
  v_.On("sys/leader", [this](httpd::Request&, httpd::ResponseWriter& w) {
    std::lock_guard l(mu_);
    if (s_.sealed) return SendError(w, 503, "Vault is sealed");
    SendJson(w, 200,
             {{"ha_enabled", true},
              {"is_self", true},
              {"leader_address", addr()},
              {"leader_cluster_address", ""},
              {"raft_committed_index", s_.raft_index},
              {"raft_applied_index", s_.raft_index}});
  });
  v_.On("sys/unseal",
        [this](httpd::Request&, httpd::ResponseWriter& w) { Unseal(w); });
  v_.On("sys/storage/raft/snapshot",
        [this](httpd::Request& req, httpd::ResponseWriter& w) {
          if (req.method == "GET") {
            std::lock_guard l(mu_);
            return w.Send(200, s_.snapshot);
          }
          Restore("sys/storage/raft/snapshot", req, w);
        });
  v_.On("sys/storage/raft/snapshot-force",
        [this](httpd::Request& req, httpd::ResponseWriter& w) {
          Restore("sys/storage/raft/snapshot-force", req, w);
        });
  v_.On("sys/storage/raft/configuration",
        [this](httpd::Request& req, httpd::ResponseWriter& w) {
          std::lock_guard l(mu_);
          if (!Authorized(req)) return SendError(w, 403, "permission denied");
          json servers = json::array();
          const bool lag = s_.peers_lag > 0;
          if (lag) --s_.peers_lag;
          for (size_t i = 0; i < (lag ? 1 : s_.peers.size()); ++i) {
            servers.push_back({{"node_id", s_.peers[i]},
                               {"address", s_.peers[i] + ":8201"},
                               {"leader", i == 0},
                               {"voter", true}});
          }
          SendJson(w, 200, {{"data", {{"config", {{"servers", servers}}}}}});
        });
  v_.On("auth/token/lookup-self",
        [this](httpd::Request& req, httpd::ResponseWriter& w) {
          std::lock_guard l(mu_);
          if (!Authorized(req)) return SendError(w, 403, "permission denied");
          SendJson(w, 200, {{"data", {{"policies", {"root"}}}}});
        });
  std::lock_guard l(mu_);
  for (const auto& [path, data] : s_.reads) {
    v_.On(path, [this, path](httpd::Request& req, httpd::ResponseWriter& w) {
      std::lock_guard l(mu_);
      if (!Authorized(req)) return SendError(w, 403, "permission denied");
      SendJson(w, 200, {{"data", s_.reads.at(path)}});
    });
  }
}

NodeState FakeVaultNode::state() {
  std::lock_guard l(mu_);
  return s_;
}

std::vector<std::string> FakeVaultNode::restores() {
  std::lock_guard l(mu_);
  return restores_;
}

int FakeVaultNode::unseal_calls() {
  std::lock_guard l(mu_);
  return unseal_calls_;
}

json FakeVaultNode::Health() const {
  return {{"initialized", true},
          {"sealed", s_.sealed},
          {"standby", false},
          {"version", "1.17.0"},
          {"cluster_id", s_.cluster_id},
          {"cluster_name", "vault-cluster"}};
}

json FakeVaultNode::SealStatus() const {
  return {{"type", "shamir"},    {"initialized", true},
          {"sealed", s_.sealed}, {"t", s_.threshold},
          {"n", s_.shares},      {"progress", static_cast<int>(parts_.size())},
          {"version", "1.17.0"}, {"cluster_id", s_.cluster_id}};
}

bool FakeVaultNode::Authorized(httpd::Request& req) const {
  return s_.tokens.count(req.Header("X-Vault-Token").value_or("")) > 0;
}

void FakeVaultNode::Unseal(httpd::ResponseWriter& w) {
  // FakeVault has read the (small) body already.
  json body = json::parse(v_.seen("sys/unseal").body, nullptr, false);
  std::lock_guard l(mu_);
  ++unseal_calls_;
  if (!body.is_object()) return SendError(w, 400, "bad json");
  if (body.value("reset", false)) {
    parts_.clear();
    return SendJson(w, 200, SealStatus());
  }
  if (!s_.sealed) return SendJson(w, 200, SealStatus());
  parts_.insert(body.value("key", ""));
  if (static_cast<int>(parts_.size()) < s_.threshold)
    return SendJson(w, 200, SealStatus());
  bool right = true;
  for (const std::string& p : parts_) right &= s_.good_keys.count(p) > 0;
  parts_.clear();
  if (!right) return SendError(w, 400, "Unseal failed, invalid key");
  s_.sealed = false;
  SendJson(w, 200, SealStatus());
}

void FakeVaultNode::Restore(const std::string& path, httpd::Request& req,
                            httpd::ResponseWriter& w) {
  {
    std::lock_guard l(mu_);
    if (!Authorized(req)) return SendError(w, 403, "permission denied");
  }
  // FakeVault reads a small body with a Content-Length itself.
  std::string body = FakeVault::ReadBody(req);
  if (body.empty()) body = v_.seen(path).body;
  std::lock_guard l(mu_);
  restores_.push_back(std::move(body));
  switch (s_.on_restore) {
    case OnRestore::kBumpIndex:
      s_.raft_index += 10;
      break;
    case OnRestore::kSeal:
      s_.sealed = true;
      s_.good_keys = s_.restored_keys;
      s_.cluster_id = s_.restored_cluster_id;
      break;
    case OnRestore::kNothing:
      return w.Send(204, "");
  }
  if (!s_.restored_tokens.empty()) s_.tokens = s_.restored_tokens;
  w.Send(204, "");
}

}  // namespace vk::vault::testing
