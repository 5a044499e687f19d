#include "vaultkeep/repo/forget_policy.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

namespace vk::repo {
namespace {

// Calendar fields of a snapshot's time in its own recorded UTC offset.
struct LocalFields {
  int64_t year, month, day, hour;
  int64_t iso_year, iso_week;
};

LocalFields LocalFieldsOf(const ForgetSnapshot& sn) {
  using namespace std::chrono;
  // floor (not truncation) keeps times before 1970 on the right day.
  const sys_seconds local =
      floor<seconds>(sn.time) + seconds(sn.utc_offset_seconds);
  const sys_days day = floor<days>(local);
  const year_month_day ymd{day};
  LocalFields f;
  f.year = static_cast<int>(ymd.year());
  f.month = static_cast<unsigned>(ymd.month());
  f.day = static_cast<unsigned>(ymd.day());
  f.hour = duration_cast<hours>(local - day).count();
  // ISO 8601: a week belongs to the year that holds its Thursday, and week
  // 1 is the week with the year's first Thursday.
  const sys_days thursday =
      day + days(4 - static_cast<int>(weekday(day).iso_encoding()));
  const year iso_year = year_month_day(thursday).year();
  f.iso_year = static_cast<int>(iso_year);
  f.iso_week = (thursday - sys_days(iso_year / January / 1)).count() / 7 + 1;
  return f;
}

// restic's bucket values: two snapshots share a bucket iff equal. `nr` is
// the snapshot's position newest-first, which makes "last" unique.
enum Rule { kLast, kHourly, kDaily, kWeekly, kMonthly, kYearly, kNumRules };

int64_t BucketOf(Rule rule, const LocalFields& f, int64_t nr) {
  switch (rule) {
    case kLast:
      return nr;
    case kHourly:
      return f.year * 1000000 + f.month * 10000 + f.day * 100 + f.hour;
    case kDaily:
      return f.year * 10000 + f.month * 100 + f.day;
    case kWeekly:
      return f.iso_year * 100 + f.iso_week;
    case kMonthly:
      return f.year * 100 + f.month;
    case kYearly:
    case kNumRules:
      break;
  }
  return f.year;
}

constexpr std::array<const char*, kNumRules> kRuleReason = {
    "last snapshot",   "hourly snapshot",  "daily snapshot",
    "weekly snapshot", "monthly snapshot", "yearly snapshot"};

// restic's Snapshot.HasTags: every tag of `list` is present, except that
// a "" tag on an untagged snapshot matches at once.
bool HasTags(const ForgetSnapshot& sn, const std::vector<std::string>& list) {
  for (const auto& tag : list) {
    if (tag.empty() && sn.tags.empty()) return true;
    if (std::find(sn.tags.begin(), sn.tags.end(), tag) == sn.tags.end()) {
      return false;
    }
  }
  return true;
}

// "[a, b]", as restic formats a TagList.
std::string FormatTagList(const std::vector<std::string>& list) {
  std::string s = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i > 0) s += ", ";
    s += list[i];
  }
  return s + "]";
}

}  // namespace

Result<ForgetDecision> ApplyPolicy(std::vector<ForgetSnapshot> snapshots,
                                   const ForgetPolicy& policy) {
  const std::array<int, kNumRules> counts = {policy.last,    policy.hourly,
                                             policy.daily,   policy.weekly,
                                             policy.monthly, policy.yearly};
  bool empty = policy.keep_tags.empty();
  for (int i = 0; i < kNumRules; ++i) {
    if (counts[i] < kKeepUnlimited) {
      return InvalidArgument(std::string("keep count for ") + kRuleReason[i] +
                             "s is " + std::to_string(counts[i]) +
                             "; only -1 (unlimited) may be negative");
    }
    if (counts[i] != 0) empty = false;
  }
  if (empty) {
    return InvalidArgument(
        "no policy was specified, no snapshots will be removed");
  }

  std::stable_sort(snapshots.begin(), snapshots.end(),
                   [](const ForgetSnapshot& a, const ForgetSnapshot& b) {
                     return a.time > b.time;
                   });

  std::array<int, kNumRules> budget = counts;
  std::array<int64_t, kNumRules> last_bucket;
  last_bucket.fill(-1);  // no real bucket value is negative

  ForgetDecision out;
  const int64_t n = static_cast<int64_t>(snapshots.size());
  for (int64_t nr = 0; nr < n; ++nr) {
    ForgetSnapshot& sn = snapshots[nr];
    std::vector<std::string> reasons;
    for (const auto& list : policy.keep_tags) {
      if (HasTags(sn, list))
        reasons.push_back("has tags " + FormatTagList(list));
    }
    const LocalFields fields = LocalFieldsOf(sn);
    const bool oldest = policy.keep_oldest && nr == n - 1;
    for (int i = 0; i < kNumRules; ++i) {
      if (budget[i] == 0) continue;  // off, or used up
      const int64_t bucket = BucketOf(static_cast<Rule>(i), fields, nr);
      if (bucket == last_bucket[i] && !oldest) continue;
      reasons.push_back(bucket == last_bucket[i]
                            ? std::string("oldest ") + kRuleReason[i]
                            : std::string(kRuleReason[i]));
      last_bucket[i] = bucket;
      if (budget[i] > 0) --budget[i];
    }
    // vaultkeep: losing the newest snapshot of a group is never intended.
    if (nr == 0 && reasons.empty()) {
      reasons.push_back("newest snapshot (never removed)");
    }
    if (reasons.empty()) {
      out.remove.push_back(std::move(sn));
    } else {
      out.keep.push_back({std::move(sn), std::move(reasons)});
    }
  }
  return out;
}

std::vector<SnapshotGroup> GroupSnapshots(std::vector<ForgetSnapshot> snapshots,
                                          const GroupBy& by) {
  std::map<SnapshotGroupKey, std::vector<ForgetSnapshot>> groups;
  for (auto& sn : snapshots) {
    SnapshotGroupKey key;
    key.apart = sn.apart;
    if (by.host) key.hostname = sn.hostname;
    if (by.paths) {
      key.paths = sn.paths;
      std::sort(key.paths.begin(), key.paths.end());
    }
    if (by.tags) {
      key.tags = sn.tags;
      std::sort(key.tags.begin(), key.tags.end());
    }
    groups[std::move(key)].push_back(std::move(sn));
  }
  std::vector<SnapshotGroup> out;
  out.reserve(groups.size());
  for (auto& [key, list] : groups) out.push_back({key, std::move(list)});
  return out;
}

Result<std::vector<GroupDecision>> ApplyPolicyByGroup(
    std::vector<ForgetSnapshot> snapshots, const ForgetPolicy& policy,
    const GroupBy& by) {
  // Validate once up front so a bad policy fails even with no snapshots.
  VK_RETURN_IF_ERROR(ApplyPolicy({}, policy).status());
  std::vector<GroupDecision> out;
  for (auto& group : GroupSnapshots(std::move(snapshots), by)) {
    VK_ASSIGN_OR_RETURN(ForgetDecision decision,
                        ApplyPolicy(std::move(group.snapshots), policy));
    out.push_back({std::move(group.key), std::move(decision)});
  }
  return out;
}

}  // namespace vk::repo
