// The retention policy of `restic forget`: which snapshots to keep, and why.
//
// Pure and deterministic: no clock, no I/O. Mirrors ApplyPolicy and
// GroupSnapshots of restic (internal/restic/snapshot_policy.go, group.go):
//   * snapshots are sorted newest first (equal times keep input order);
//   * every count rule (last, hourly, daily, weekly, monthly, yearly) walks
//     them newest -> oldest and keeps a snapshot whose bucket differs from
//     the bucket the rule kept last, while the rule has budget left;
//   * buckets are the calendar fields of the time as it was recorded, in
//     its own UTC offset (23:30-05:00 belongs to that local day), with ISO
//     8601 weeks (Monday first; 2024-12-30 is week 1 of 2025);
//   * a snapshot that has all tags of any keep_tags list is kept;
//   * a snapshot kept by any rule is kept, with every matching reason.
//   * keep_within keeps a snapshot newer than the newest one minus the
//     span (reason "within <span>", after the tag reasons).
// vaultkeep adds one rule: the newest snapshot of a group is never removed.
//
// restic's --keep-within is supported (relative to the group's newest
// snapshot, never to "now": the decision stays a pure function); its
// --keep-within-{hourly,...} variants are not.
#ifndef VAULTKEEP_REPO_FORGET_POLICY_H_
#define VAULTKEEP_REPO_FORGET_POLICY_H_

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::repo {

// One snapshot as the policy sees it (a projection of restic's snapshot).
struct ForgetSnapshot {
  std::string id;  // hex; only carried through, never interpreted
  std::chrono::system_clock::time_point time;
  // Seconds east of UTC of the zone the time was recorded in: "-05:00" is
  // -18000. Buckets use the local calendar fields time + offset.
  int32_t utc_offset_seconds = 0;
  std::string hostname;
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  // Grouped apart from the others whatever GroupBy says, so its snapshots
  // never take a keep slot from them (vaultkeep: backups whose escrowed
  // keys cannot unseal them must not push a good backup out).
  bool apart = false;
};

// restic's --keep-within span, "1y5m7d2h": calendar years, months and
// days back from the newest snapshot of the group, then hours. A snapshot
// strictly newer than that point is kept ("within 1y5m7d2h").
struct KeepWithin {
  int years = 0, months = 0, days = 0, hours = 0;
  bool empty() const {
    return years == 0 && months == 0 && days == 0 && hours == 0;
  }
  std::string ToString() const;  // "7d", "1y2m", "0h" when empty
};
// kInvalidArgument unless `text` is one or more <digits><unit> with units
// y, m, d, h, each at most once, in that order.
Result<KeepWithin> ParseKeepWithin(std::string_view text);

// A count of kKeepUnlimited keeps one snapshot per bucket, without limit
// (restic >= 0.15 "unlimited").
inline constexpr int kKeepUnlimited = -1;

struct ForgetPolicy {
  // How many buckets each rule keeps; 0 = rule off. Values below -1 are
  // rejected.
  int last = 0;     // every snapshot is its own bucket
  int hourly = 0;   // local year, month, day, hour
  int daily = 0;    // local year, month, day
  int weekly = 0;   // ISO year and ISO week of the local date
  int monthly = 0;  // local year, month
  int yearly = 0;   // local year
  // Keep a snapshot that has every tag of at least one list. As in restic,
  // an empty list matches every snapshot and the tag "" matches snapshots
  // without tags.
  std::vector<std::vector<std::string>> keep_tags;
  // restic >= 0.16 also keeps the oldest snapshot for every count rule
  // that still has budget when the walk reaches it (reason "oldest daily
  // snapshot" if it shares the bucket already kept). Off by default: the
  // rule is what restic 0.14/0.15 do.
  bool keep_oldest = false;
  KeepWithin within;

  // Whether any rule is set (ApplyPolicy refuses a policy without one).
  bool HasRule() const {
    return last != 0 || hourly != 0 || daily != 0 || weekly != 0 ||
           monthly != 0 || yearly != 0 || !keep_tags.empty() ||
           !within.empty();
  }
};

struct KeptSnapshot {
  ForgetSnapshot snapshot;
  // In order: "has tags [a, b]" per matching list, then "last snapshot",
  // "hourly snapshot", "daily snapshot", "weekly snapshot",
  // "monthly snapshot", "yearly snapshot" (each possibly prefixed
  // "oldest "), or only "newest snapshot (never removed)".
  std::vector<std::string> reasons;
};

struct ForgetDecision {
  std::vector<KeptSnapshot> keep;      // newest first
  std::vector<ForgetSnapshot> remove;  // newest first
};

// Applies `policy` to one group of snapshots. kInvalidArgument if no rule
// is set ("no policy was specified, no snapshots will be removed", as
// restic refuses too) or a count is below -1. An empty list gives an empty
// decision.
Result<ForgetDecision> ApplyPolicy(std::vector<ForgetSnapshot> snapshots,
                                   const ForgetPolicy& policy);

// Which fields split snapshots into groups; the default is restic's
// `--group-by host,paths`. All false puts every snapshot in one group.
struct GroupBy {
  bool host = true;
  bool paths = true;
  bool tags = false;
};

// Fields not grouped by are left empty. paths and tags are sorted, so
// their order in a snapshot does not matter.
struct SnapshotGroupKey {
  std::string hostname;
  std::vector<std::string> paths;
  std::vector<std::string> tags;
  bool apart = false;  // ForgetSnapshot::apart
  auto operator<=>(const SnapshotGroupKey&) const = default;
};

struct SnapshotGroup {
  SnapshotGroupKey key;
  std::vector<ForgetSnapshot> snapshots;  // in input order
};

// Groups in ascending key order (restic's order is a map's, i.e. random).
std::vector<SnapshotGroup> GroupSnapshots(std::vector<ForgetSnapshot> snapshots,
                                          const GroupBy& by);

struct GroupDecision {
  SnapshotGroupKey key;
  ForgetDecision decision;
};

// GroupSnapshots, then ApplyPolicy on each group; errors as ApplyPolicy
// (reported even when there are no snapshots).
Result<std::vector<GroupDecision>> ApplyPolicyByGroup(
    std::vector<ForgetSnapshot> snapshots, const ForgetPolicy& policy,
    const GroupBy& by);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_FORGET_POLICY_H_
