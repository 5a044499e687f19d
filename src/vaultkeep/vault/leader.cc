#include "vaultkeep/vault/leader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "kit/base/poll.h"

namespace vk::vault {
namespace {

// What one address said in a round. Transient states (unreachable,
// sealed, electing) are waited for; the others end the search at once,
// since waiting cannot change them (a server that is not Vault, a TLS
// setting, a node nobody initialised).
struct Seen {
  std::string reason;
  bool transient = true;
  bool answered = false;
  Status status;  // for final states: what to return
};

struct Round {
  std::optional<ActiveNode> found;
  std::vector<std::pair<std::string, Seen>> seen;  // per address (label)
};

// Why a node that answered is not usable as the active node.
std::string NotActiveReason(const Health& h, const LeaderInfo& l) {
  if (!h.initialized) return "not initialized";
  if (h.sealed) return "sealed";
  if (!l.ha_enabled) return "ha disabled";
  if (h.standby || !l.is_self) return "no leader";
  return "";
}

std::string SealedText(const SealStatus& s) {
  std::string out = "sealed";
  if (s.threshold > 0) {
    out += " (" + std::to_string(s.progress) + " of " +
           std::to_string(s.threshold) + " key shares entered)";
  }
  return out;
}

// A node whose sys/leader failed with a non-transient error: a sealed or
// uninitialised Vault still answers sys/seal-status, which says which.
Seen Explain(Client& client, const std::string& addr, const Status& failed) {
  Seen s{.reason = failed.message(),
         .transient = false,
         .answered = true,
         .status = failed};
  if (failed.code() == StatusCode::kNotFound) {
    s.reason += " (every Vault serves sys/leader: is this a Vault address?)";
    s.status = NotFound(addr + " is not a Vault API: " + s.reason);
    return s;
  }
  Result<SealStatus> seal = client.GetSealStatus(addr);
  if (!seal.ok()) return s;
  if (!seal->initialized) {
    s.reason = "not initialized";
    s.status = FailedPrecondition(addr + ": Vault is not initialized");
  } else if (seal->sealed) {
    s.reason = SealedText(*seal);
    s.transient = true;
  }
  return s;
}

// Asks `target` itself: it must call itself the leader and be initialized,
// unsealed and active.
std::optional<ActiveNode> Confirm(Client& client, const std::string& target,
                                  Seen* seen) {
  Result<LeaderInfo> leader = client.GetLeader(target);
  if (!leader.ok()) {
    if (leader.status().code() == StatusCode::kUnavailable) {
      seen->reason = leader.status().message();
      return std::nullopt;
    }
    *seen = Explain(client, target, leader.status());
    return std::nullopt;
  }
  seen->answered = true;
  Result<Health> health = client.GetHealth(target);
  if (!health.ok()) {
    seen->reason = health.status().message();
    return std::nullopt;
  }
  if (!leader->is_self && !leader->leader_address.empty() &&
      health->initialized && !health->sealed) {
    seen->reason =
        "not the leader (any more); it names " + leader->leader_address;
    return std::nullopt;
  }
  seen->reason = NotActiveReason(*health, *leader);
  if (seen->reason == "not initialized") {
    seen->transient = false;
    seen->status = FailedPrecondition(target + ": Vault is not initialized");
  }
  if (!seen->reason.empty()) return std::nullopt;
  return ActiveNode{target, std::move(leader).value(),
                    std::move(health).value()};
}

Round OneRound(Client& client, const std::vector<std::string>& addrs) {
  Round round;
  std::vector<std::string> tried;  // targets confirmed (or not) this round
  for (const std::string& addr : addrs) {
    Result<LeaderInfo> leader = client.GetLeader(addr);
    if (!leader.ok()) {
      Seen s = leader.status().code() == StatusCode::kUnavailable
                   ? Seen{.reason = leader.status().message()}
                   : Explain(client, addr, leader.status());
      round.seen.emplace_back(addr, std::move(s));
      continue;
    }
    std::string target = addr;
    if (!leader->is_self) {
      if (leader->leader_address.empty()) {
        // No leader known: the node's health says why (sealed, ...).
        Result<Health> h = client.GetHealth(addr);
        Seen s{.answered = true};
        s.reason = h.ok() ? NotActiveReason(*h, *leader) : h.status().message();
        if (s.reason.empty()) s.reason = "no leader";
        if (s.reason == "sealed") {
          Result<SealStatus> seal = client.GetSealStatus(addr);
          if (seal.ok()) s.reason = SealedText(*seal);
        }
        if (s.reason == "not initialized") {
          s.transient = false;
          s.status = FailedPrecondition(addr + ": Vault is not initialized");
        }
        round.seen.emplace_back(addr, std::move(s));
        continue;
      }
      Result<std::string> advertised = NormalizeAddr(leader->leader_address);
      if (!advertised.ok()) {
        std::string why = "advertises an unusable leader address: " +
                          advertised.status().message();
        round.seen.emplace_back(
            addr, Seen{.reason = why,
                       .transient = false,
                       .answered = true,
                       .status = FailedPrecondition(addr + ": " + why)});
        continue;
      }
      target = *advertised;
    }
    if (std::find(tried.begin(), tried.end(), target) != tried.end()) continue;
    tried.push_back(target);
    Seen s{.answered = true};
    round.found = Confirm(client, target, &s);
    if (round.found) return round;
    // An unreachable advertised address (e.g. an in-cluster name) is not
    // the end: a later address may be the leader itself and say is_self.
    std::string label = target == addr ? addr : addr + " -> leader " + target;
    round.seen.emplace_back(label, std::move(s));
  }
  return round;
}

std::string Describe(const Round& r) {
  std::string out;
  for (const auto& [addr, s] : r.seen)
    out += (out.empty() ? "" : "; ") + addr + ": " + s.reason;
  return out;
}

// The end of the search when every address is in a state time cannot fix
// (nothing transient seen), else nullopt.
std::optional<Status> Hopeless(const Round& round) {
  const Status* final_status = nullptr;
  for (const auto& [addr, s] : round.seen) {
    if (s.transient) return std::nullopt;
    if (final_status == nullptr) final_status = &s.status;
  }
  if (final_status == nullptr) return std::nullopt;
  if (round.seen.size() == 1) return *final_status;
  return Status(final_status->code(),
                "no active Vault node: " + Describe(round));
}

Status GaveUp(const Round& round, std::chrono::milliseconds wait) {
  bool answered = false;
  bool all_sealed = true;
  for (const auto& [addr, s] : round.seen) {
    answered |= s.answered;
    if (s.answered) all_sealed &= s.reason.starts_with("sealed");
  }
  std::string waited =
      wait.count() > 0
          ? " within " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(wait)
                        .count()) +
                " s"
          : "";
  auto detail =
      std::make_shared<NoActiveNode>(answered, answered && all_sealed);
  if (!answered)
    return Unavailable("no Vault address answered" + waited + ": " +
                       Describe(round))
        .WithDetail(detail);
  return Unavailable("no active Vault node found" + waited + ": " +
                     Describe(round))
      .WithDetail(detail);
}

}  // namespace

Result<ActiveNode> FindActive(Client& client,
                              const std::vector<std::string>& addrs,
                              const FindOptions& options) {
  if (addrs.empty()) return InvalidArgument("no Vault address given");
  std::vector<std::string> normalized;
  for (const std::string& a : addrs) {
    VK_ASSIGN_OR_RETURN(std::string n, NormalizeAddr(a));
    normalized.push_back(std::move(n));
  }
  std::optional<ActiveNode> found;
  Round round;
  Status st = PollUntil(
      {.timeout = options.wait,
       .interval = options.poll,
       .clock = &client.clock()},
      [&]() -> std::optional<Status> {
        round = OneRound(client, normalized);
        if (round.found) {
          found = std::move(round.found);
          return Status::Ok();
        }
        if (std::optional<Status> final_status = Hopeless(round))
          return final_status;
        std::string why = Describe(round);
        spdlog::info("waiting for an active Vault node: {}", why);
        if (options.on_wait) options.on_wait(why);
        return std::nullopt;
      },
      [&] { return GaveUp(round, options.wait); });
  if (!st.ok()) return st;
  spdlog::info("active node {} (raft committed index {})", found->addr,
               found->leader.raft_committed_index);
  return std::move(*found);
}

}  // namespace vk::vault
