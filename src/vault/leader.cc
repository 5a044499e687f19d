#include "vault/leader.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

namespace vk::vault {
namespace {

// What one round over the addresses learned.
struct Round {
  std::optional<ActiveNode> found;
  bool any_answered = false;     // some node answered sys/leader
  std::vector<std::string> why;  // "<addr>: <reason>", one per problem
};

// Why a node that answered is not usable as the active node.
std::string NotActiveReason(const Health& h, const LeaderInfo& l) {
  if (!h.initialized) return "not initialized";
  if (h.sealed) return "sealed";
  if (!l.ha_enabled) return "ha disabled";
  if (h.standby || !l.is_self) return "no leader";
  return "";
}

// Asks `target` itself: it must call itself the leader and be initialized,
// unsealed and active. On failure returns the reason; `reachable` tells
// whether it answered at all.
std::optional<ActiveNode> Confirm(Client& client, const std::string& target,
                                  std::string* why, bool* reachable) {
  *reachable = false;
  Result<LeaderInfo> leader = client.GetLeader(target);
  if (!leader.ok()) {
    *why = leader.status().message();
    *reachable = leader.status().code() != StatusCode::kUnavailable;
    return std::nullopt;
  }
  *reachable = true;
  Result<Health> health = client.GetHealth(target);
  if (!health.ok()) {
    *why = health.status().message();
    return std::nullopt;
  }
  if (!leader->is_self && !leader->leader_address.empty() &&
      health->initialized && !health->sealed) {
    *why = "not the leader (any more); it names " + leader->leader_address;
    return std::nullopt;
  }
  *why = NotActiveReason(*health, *leader);
  if (!why->empty()) return std::nullopt;
  return ActiveNode{target, std::move(leader).value(),
                    std::move(health).value()};
}

Round OneRound(Client& client, const std::vector<std::string>& addrs) {
  Round round;
  std::vector<std::string> tried;  // targets confirmed (or not) this round
  for (const std::string& addr : addrs) {
    Result<LeaderInfo> leader = client.GetLeader(addr);
    if (!leader.ok()) {
      round.any_answered |= leader.status().code() != StatusCode::kUnavailable;
      round.why.push_back(addr + ": " + leader.status().message());
      continue;
    }
    round.any_answered = true;
    std::string target = addr;
    if (!leader->is_self) {
      if (leader->leader_address.empty()) {
        // No leader known: the node's health says why (sealed, ...).
        Result<Health> h = client.GetHealth(addr);
        std::string why =
            h.ok() ? NotActiveReason(*h, *leader) : h.status().message();
        round.why.push_back(addr + ": " + (why.empty() ? "no leader" : why));
        continue;
      }
      Result<std::string> advertised = NormalizeAddr(leader->leader_address);
      if (!advertised.ok()) {
        round.why.push_back(addr + ": advertises an unusable leader address: " +
                            advertised.status().message());
        continue;
      }
      target = *advertised;
    }
    if (std::find(tried.begin(), tried.end(), target) != tried.end()) continue;
    tried.push_back(target);
    std::string why;
    bool reachable = false;
    round.found = Confirm(client, target, &why, &reachable);
    if (round.found) return round;
    // An unreachable advertised address (e.g. an in-cluster name) is not
    // the end: a later address may be the leader itself and say is_self.
    std::string label = target == addr ? addr : addr + " -> leader " + target;
    round.why.push_back(label + ": " + why);
  }
  return round;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
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
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + options.wait;
  while (true) {
    Round round = OneRound(client, normalized);
    if (round.found) return std::move(*round.found);
    std::string why = Join(round.why);
    Clock::time_point now = Clock::now();
    if (options.wait.count() <= 0 || now >= deadline) {
      std::string waited =
          options.wait.count() > 0
              ? " within " +
                    std::to_string(
                        std::chrono::duration_cast<std::chrono::seconds>(
                            options.wait)
                            .count()) +
                    " s"
              : "";
      if (!round.any_answered)
        return Unavailable("no Vault address answered" + waited + ": " + why);
      return FailedPrecondition("no active Vault node found" + waited + ": " +
                                why);
    }
    if (options.on_wait) options.on_wait(why);
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(options.poll, left));
  }
}

}  // namespace vk::vault
