#include "vaultkeep/repo/forget_policy.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
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

// The newest snapshot's local date moved back by the span's calendar
// years, months and days, normalized as Go's AddDate does (Mar 31 - 1
// month is "Feb 31", i.e. Mar 3 or 2), then back by its hours.
std::chrono::system_clock::time_point WithinCutoff(const ForgetSnapshot& newest,
                                                   const KeepWithin& w) {
  using namespace std::chrono;
  const seconds offset(newest.utc_offset_seconds);
  const auto local = newest.time + offset;
  const sys_days day = floor<days>(local);
  const auto time_of_day = local - day;
  year_month_day ymd{day};
  ymd = year_month_day{ymd.year() - years(w.years), ymd.month(), ymd.day()};
  ymd += months(-w.months);  // keeps the day, which may then be invalid
  // sys_days of a date whose day is past the month's end counts on into
  // the next month: Go's normalization.
  const sys_days moved = sys_days(ymd) - days(w.days);
  return moved + time_of_day - hours(w.hours) - offset;
}

std::string KeepWithin::ToString() const {
  std::string out;
  if (years) out += std::to_string(years) + "y";
  if (months) out += std::to_string(months) + "m";
  if (days) out += std::to_string(days) + "d";
  if (hours || out.empty()) out += std::to_string(hours) + "h";
  return out;
}

Result<KeepWithin> ParseKeepWithin(std::string_view text) {
  KeepWithin w;
  const std::string bad =
      "keep-within " + std::string(text) +
      ": expected a span such as 7d, 48h or 1y6m (units y, m for months, d, h, "
      "each at most once, in that order)";
  if (text.empty()) return InvalidArgument(bad);
  const std::string units = "ymdh";
  size_t next_unit = 0, i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > 1'000'000) return InvalidArgument(bad);
      ++i, ++digits;
    }
    if (digits == 0 || i == text.size()) return InvalidArgument(bad);
    size_t u = units.find(text[i++], next_unit);
    if (u == std::string::npos) return InvalidArgument(bad);
    next_unit = u + 1;
    int* field[] = {&w.years, &w.months, &w.days, &w.hours};
    *field[u] = static_cast<int>(n);
  }
  return w;
}

Result<ForgetDecision> ApplyPolicy(std::vector<ForgetSnapshot> snapshots,
                                   const ForgetPolicy& policy) {
  const std::array<int, kNumRules> counts = {policy.last,    policy.hourly,
                                             policy.daily,   policy.weekly,
                                             policy.monthly, policy.yearly};
  bool empty = policy.keep_tags.empty() && policy.within.empty();
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

  std::optional<std::chrono::system_clock::time_point> within_cutoff;
  if (!policy.within.empty() && !snapshots.empty())
    within_cutoff = WithinCutoff(snapshots.front(), policy.within);

  ForgetDecision out;
  const int64_t n = static_cast<int64_t>(snapshots.size());
  for (int64_t nr = 0; nr < n; ++nr) {
    ForgetSnapshot& sn = snapshots[nr];
    std::vector<std::string> reasons;
    for (const auto& list : policy.keep_tags) {
      if (HasTags(sn, list))
        reasons.push_back("has tags " + FormatTagList(list));
    }
    if (within_cutoff && sn.time > *within_cutoff)
      reasons.push_back("within " + policy.within.ToString());
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
