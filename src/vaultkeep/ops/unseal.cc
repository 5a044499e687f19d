#include "vaultkeep/ops/unseal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "kit/base/poll.h"
#include "kit/base/strings.h"
#include "vaultkeep/ops/subsets.h"

namespace vk::ops {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The combinations to try, best first: the first `t` keys (the offline
// check put the proven ones there), then every other `t`-subset in
// lexicographic order, at most kMaxCombinations in all.
std::vector<std::vector<int>> Combinations(int n, int t) {
  std::vector<std::vector<int>> out;
  long budget = kMaxCombinations;
  ForEachSubset(n, t, &budget, [&](const std::vector<int>& idx) {
    out.push_back(idx);
    return false;
  });
  return out;
}

void Bad(UnsealNotes* notes, const std::string& addr, const std::string& name,
         const std::string& why) {
  if (Contains(notes->bad, name)) return;
  notes->bad.push_back(name);
  std::string line = addr + " refused key " + Quote(name) + ": " + why;
  spdlog::warn("{}", line);
  notes->lines.push_back(std::move(line));
}

}  // namespace

Result<NodeUnseal> UnsealNode(vault::Client& client, const std::string& addr,
                              const std::vector<NamedShare>& keys,
                              UnsealNotes* notes) {
  Result<vault::SealStatus> st = client.GetSealStatus(addr);
  if (!st.ok()) {
    if (st.status().code() == StatusCode::kUnavailable)
      return NodeUnseal::kPending;
    return st.status();
  }
  if (!st->initialized) return NodeUnseal::kPending;  // restarting
  if (!st->sealed) return NodeUnseal::kUnsealed;
  if (keys.empty())
    return FailedPrecondition(addr + " is sealed and no unseal keys are known");
  std::vector<const NamedShare*> usable;
  for (const NamedShare& k : keys) {
    if (!Contains(notes->bad, k.name)) usable.push_back(&k);
  }
  const int t = st->threshold > 0 ? st->threshold : 1;
  for (const std::vector<int>& combo :
       Combinations(static_cast<int>(usable.size()), t)) {
    bool skip = false;
    for (int i : combo) skip |= Contains(notes->bad, usable[i]->name);
    if (skip) continue;
    // A previous run (or another unsealer) may have left shares in.
    Result<vault::SealStatus> reset = client.ResetUnseal(addr);
    if (!reset.ok()) {
      if (reset.status().code() == StatusCode::kUnavailable)
        return NodeUnseal::kPending;
      if (reset.status().code() != StatusCode::kInvalidArgument)
        return reset.status().WithContext("resetting the unseal of " + addr);
      // "vault is unsealed": someone else finished meanwhile.
    }
    bool next = false;
    for (int i : combo) {
      vault::UnsealRefusal why = vault::UnsealRefusal::kNone;
      Result<vault::SealStatus> after =
          client.Unseal(addr, usable[i]->value, &why);
      if (after.ok()) {
        if (!after->sealed) {
          spdlog::info("unsealed {}", addr);
          return NodeUnseal::kUnsealed;
        }
        continue;
      }
      if (after.status().code() == StatusCode::kUnavailable)
        return NodeUnseal::kPending;
      if (why == vault::UnsealRefusal::kMalformedKey) {
        Bad(notes, addr, usable[i]->name, after.status().message());
        next = true;
        break;
      }
      if (why == vault::UnsealRefusal::kWrongKeys) {
        spdlog::info(
            "{}: keys {} together are wrong; trying another "
            "combination",
            addr, [&] {
              std::vector<std::string> names;
              for (int j : combo) names.push_back(usable[j]->name);
              return Join(names, ", ");
            }());
        next = true;
        break;
      }
      return after.status().WithContext("unsealing " + addr);
    }
    if (!next) continue;  // duplicates kept progress below the threshold
  }
  return FailedPrecondition(
      addr + " is still sealed: no " + std::to_string(t) + " of the " +
      std::to_string(keys.size()) +
      " escrowed unseal keys unseal it (they do not match its data)");
}

Status UnsealAll(vault::Client& client, const std::vector<std::string>& nodes,
                 const std::vector<NamedShare>& keys, const UnsealAllOptions& o,
                 UnsealNotes* notes) {
  std::vector<std::string> pending = nodes;
  return PollUntil(
      {.timeout = o.settle, .interval = o.poll, .clock = &client.clock()},
      [&]() -> std::optional<Status> {
        std::vector<std::string> still;
        for (const std::string& n : pending) {
          Result<NodeUnseal> r = UnsealNode(client, n, keys, notes);
          if (!r.ok()) return r.status();
          if (*r == NodeUnseal::kPending) {
            still.push_back(n);
          } else if (o.on_unsealed) {
            o.on_unsealed(n);
          }
        }
        pending = std::move(still);
        if (pending.empty()) return Status::Ok();
        return std::nullopt;
      },
      [&] {
        return Unavailable(
            "nodes not unsealed within " +
            std::to_string(o.settle.count() / 1000) +
            " s (unreachable or restarting): " + Join(pending, ", "));
      });
}

}  // namespace vk::ops
