#include "vaultkeep/repo/forget_policy.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "kit/base/time.h"

namespace vk::repo {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using Strings = std::vector<std::string>;

// "+hh:mm"/"-hh:mm" at the end of an RFC 3339 time, in seconds; 0 for "Z".
int32_t OffsetOf(const std::string& rfc3339) {
  if (rfc3339.empty() || rfc3339.back() == 'Z') return 0;
  const std::string z = rfc3339.substr(rfc3339.size() - 6);
  const int32_t s =
      std::stoi(z.substr(1, 2)) * 3600 + std::stoi(z.substr(4)) * 60;
  return z[0] == '-' ? -s : s;
}

ForgetSnapshot Snap(std::string id, const std::string& time, Strings tags = {},
                    std::string host = "h", Strings paths = {"/stdin"}) {
  auto t = ParseRfc3339(time);
  EXPECT_TRUE(t.ok()) << time;
  return {
      std::move(id),    t.ok() ? *t : std::chrono::system_clock::time_point{},
      OffsetOf(time),   std::move(host),
      std::move(paths), std::move(tags)};
}

ForgetDecision Apply(std::vector<ForgetSnapshot> s, const ForgetPolicy& p) {
  auto d = ApplyPolicy(std::move(s), p);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? *d : ForgetDecision{};
}

Strings KeepIds(const ForgetDecision& d) {
  Strings ids;
  for (const auto& k : d.keep) ids.push_back(k.snapshot.id);
  return ids;
}
Strings RemoveIds(const ForgetDecision& d) {
  Strings ids;
  for (const auto& r : d.remove) ids.push_back(r.id);
  return ids;
}

// restic docs, "Removing snapshots according to a policy": weekday backups
// for two weeks, an extra one on Fridays, no backup on 2025-04-30.
// (The docs' keep table prints 8a603ddf beside ae33bf10's time, 23:00; the
// 23:00 snapshot is the day's newest, so ae33bf10 is the one kept.)
TEST(ForgetPolicyTest, DocsExampleKeepDaily5) {
  std::vector<ForgetSnapshot> s = {Snap("60e5c031", "2025-04-21T11:00:00Z"),
                                   Snap("1dccffe9", "2025-04-22T11:00:00Z"),
                                   Snap("90a5c949", "2025-04-23T11:00:00Z"),
                                   Snap("79580708", "2025-04-24T11:00:00Z"),
                                   Snap("8a603ddf", "2025-04-25T11:00:00Z"),
                                   Snap("ae33bf10", "2025-04-25T23:00:00Z"),
                                   Snap("fb8b1418", "2025-04-28T11:00:00Z"),
                                   Snap("1db188b4", "2025-04-29T11:00:00Z"),
                                   Snap("7baa4f28", "2025-05-01T11:00:00Z"),
                                   Snap("05c48af3", "2025-05-02T11:00:00Z"),
                                   Snap("ad72e262", "2025-05-02T23:00:00Z")};
  auto d = Apply(s, {.daily = 5});
  EXPECT_EQ(KeepIds(d), (Strings{"ad72e262", "7baa4f28", "1db188b4", "fb8b1418",
                                 "ae33bf10"}));
  for (const auto& k : d.keep) EXPECT_EQ(k.reasons, Strings{"daily snapshot"});
  EXPECT_EQ(RemoveIds(d), (Strings{"05c48af3", "8a603ddf", "79580708",
                                   "90a5c949", "1dccffe9", "60e5c031"}));
}

// restic docs: a backup every day for 100 years, --keep-daily 7
// --keep-weekly 5 --keep-monthly 12 --keep-yearly 75. Ending on a Sunday,
// the dailies hold one weekly (the newest); the newest is also a monthly
// and a yearly, and 2023-12-31 is both a monthly and a yearly:
// 7 + 4 + 11 + 73 snapshots are kept.
TEST(ForgetPolicyTest, DocsExampleHundredYearsOfDailies) {
  const sys_days last = std::chrono::year(2024) / 6 / 16;  // a Sunday
  std::vector<ForgetSnapshot> s;
  for (sys_days d = last - days(36524); d <= last; d += days(1)) {
    s.push_back({FormatRfc3339(d).substr(0, 10), d + std::chrono::hours(12)});
  }
  auto d = Apply(s, {.daily = 7, .weekly = 5, .monthly = 12, .yearly = 75});
  std::map<std::string, int> per_reason;
  for (const auto& k : d.keep) {
    for (const auto& r : k.reasons) ++per_reason[r];
  }
  EXPECT_EQ(per_reason, (std::map<std::string, int>{{"daily snapshot", 7},
                                                    {"weekly snapshot", 5},
                                                    {"monthly snapshot", 12},
                                                    {"yearly snapshot", 75}}));
  EXPECT_EQ(d.keep.size(), 7u + 4 + 11 + 73);
  EXPECT_EQ(d.keep.size() + d.remove.size(), s.size());
  EXPECT_EQ(d.keep.back().snapshot.id, "1950-12-31");
}

TEST(ForgetPolicyTest, IsoWeekBoundaries) {
  // 2024-12-30 (Monday) is in ISO week 1 of 2025; 2024-12-29 in 2024-W52.
  auto d = Apply({Snap("jan02", "2025-01-02T10:00:00Z"),
                  Snap("dec30", "2024-12-30T10:00:00Z"),
                  Snap("dec29", "2024-12-29T10:00:00Z")},
                 {.weekly = kKeepUnlimited});
  EXPECT_EQ(KeepIds(d), (Strings{"jan02", "dec29"}));
  EXPECT_EQ(RemoveIds(d), (Strings{"dec30"}));
  // 2020 has 53 ISO weeks: 2021-01-03 (Sunday) is still 2020-W53.
  d = Apply({Snap("jan04", "2021-01-04T10:00:00Z"),
             Snap("jan03", "2021-01-03T10:00:00Z"),
             Snap("dec28", "2020-12-28T10:00:00Z"),
             Snap("dec27", "2020-12-27T10:00:00Z")},
            {.weekly = kKeepUnlimited});
  EXPECT_EQ(KeepIds(d), (Strings{"jan04", "jan03", "dec27"}));
  // Yearly uses the calendar year, not the ISO year.
  d = Apply({Snap("jan02", "2025-01-02T10:00:00Z"),
             Snap("dec30", "2024-12-30T10:00:00Z")},
            {.yearly = 2});
  EXPECT_EQ(KeepIds(d), (Strings{"jan02", "dec30"}));
}

TEST(ForgetPolicyTest, BucketsUseTheRecordedLocalTime) {
  // 23:30-05:00 is 04:30 UTC on Jan 2, yet it is a Jan 1 snapshot
  // (checked against restic 0.14).
  auto d = Apply({Snap("a", "2024-01-01T23:30:00-05:00"),
                  Snap("b", "2024-01-02T00:10:00-05:00"),
                  Snap("c", "2024-01-02T03:00:00-05:00")},
                 {.daily = 5});
  EXPECT_EQ(KeepIds(d), (Strings{"c", "a"}));
  EXPECT_EQ(RemoveIds(d), (Strings{"b"}));
  // Same UTC hour (05:xx), different local hours in +05:30.
  d = Apply({Snap("x", "2024-03-01T10:45:00+05:30"),
             Snap("y", "2024-03-01T11:15:00+05:30")},
            {.hourly = 5});
  EXPECT_EQ(KeepIds(d), (Strings{"y", "x"}));
  // Before 1970 the day still floors the right way.
  d = Apply(
      {Snap("p", "1969-12-31T23:59:59Z"), Snap("q", "1970-01-01T00:00:00Z")},
      {.daily = 5});
  EXPECT_EQ(KeepIds(d), (Strings{"q", "p"}));
}

TEST(ForgetPolicyTest, KeepTags) {
  ForgetPolicy p{.keep_tags = {{"a", "b"}, {"c"}}};
  auto d = Apply({Snap("ab", "2024-01-05T00:00:00Z", {"a", "b"}),
                  Snap("a", "2024-01-04T00:00:00Z", {"a"}),
                  Snap("c", "2024-01-03T00:00:00Z", {"c"}),
                  Snap("bac", "2024-01-02T00:00:00Z", {"b", "a", "c"}),
                  Snap("none", "2024-01-01T00:00:00Z")},
                 p);
  ASSERT_EQ(KeepIds(d), (Strings{"ab", "c", "bac"}));
  EXPECT_EQ(d.keep[0].reasons, Strings{"has tags [a, b]"});
  EXPECT_EQ(d.keep[2].reasons, (Strings{"has tags [a, b]", "has tags [c]"}));
  EXPECT_EQ(RemoveIds(d), (Strings{"a", "none"}));
  // The tag "" matches untagged snapshots only.
  d = Apply({Snap("t", "2024-01-02T00:00:00Z", {"x"}),
             Snap("u", "2024-01-01T00:00:00Z")},
            {.daily = 1, .keep_tags = {{""}}});
  ASSERT_EQ(KeepIds(d), (Strings{"t", "u"}));
  EXPECT_EQ(d.keep[1].reasons, Strings{"has tags []"});
}

TEST(ForgetPolicyTest, ReasonsListEveryMatchingRuleAndBudgetsCount) {
  auto d = Apply(
      {Snap("n", "2024-05-02T10:00:00Z"), Snap("m", "2024-05-02T09:00:00Z"),
       Snap("o", "2024-05-01T10:00:00Z"), Snap("p", "2024-04-30T10:00:00Z")},
      {.last = 2, .daily = 2, .monthly = 1});
  ASSERT_EQ(KeepIds(d), (Strings{"n", "m", "o"}));
  EXPECT_EQ(d.keep[0].reasons,
            (Strings{"last snapshot", "daily snapshot", "monthly snapshot"}));
  EXPECT_EQ(d.keep[1].reasons, Strings{"last snapshot"});
  EXPECT_EQ(d.keep[2].reasons, Strings{"daily snapshot"});
  EXPECT_EQ(RemoveIds(d), Strings{"p"});  // monthly budget was spent on n
}

TEST(ForgetPolicyTest, UnlimitedKeepsOnePerBucket) {
  std::vector<ForgetSnapshot> s;
  for (int i = 0; i < 30; ++i) {
    const sys_days day =
        sys_days(std::chrono::year(2024) / 1 / 1) + days(i / 3);
    s.push_back({std::to_string(i), day + std::chrono::hours(i % 3)});
  }
  auto d = Apply(s, {.daily = kKeepUnlimited});
  EXPECT_EQ(d.keep.size(), 10u);
  EXPECT_EQ(d.keep.back().snapshot.id, "2");
  EXPECT_EQ(Apply(s, {.last = kKeepUnlimited}).keep.size(), 30u);
}

TEST(ForgetPolicyTest, NewestIsNeverRemoved) {
  auto d = Apply({Snap("old", "2024-01-01T00:00:00Z", {"keep"}),
                  Snap("new", "2024-01-03T00:00:00Z"),
                  Snap("mid", "2024-01-02T00:00:00Z")},
                 {.keep_tags = {{"keep"}}});
  ASSERT_EQ(KeepIds(d), (Strings{"new", "old"}));
  EXPECT_EQ(d.keep[0].reasons, Strings{"newest snapshot (never removed)"});
  EXPECT_EQ(RemoveIds(d), Strings{"mid"});
}

TEST(ForgetPolicyTest, EqualTimesKeepInputOrder) {
  auto d = Apply({Snap("first", "2024-01-01T00:00:00Z"),
                  Snap("second", "2024-01-01T00:00:00Z")},
                 {.last = 1});
  EXPECT_EQ(KeepIds(d), Strings{"first"});
  EXPECT_EQ(RemoveIds(d), Strings{"second"});
}

TEST(ForgetPolicyTest, KeepOldestAsResticSince016) {
  std::vector<ForgetSnapshot> s = {Snap("a", "2024-01-01T12:00:00Z"),
                                   Snap("b", "2024-01-01T08:00:00Z"),
                                   Snap("c", "2024-01-01T04:00:00Z")};
  EXPECT_EQ(KeepIds(Apply(s, {.daily = 5})), Strings{"a"});
  auto d = Apply(s, {.daily = 5, .keep_oldest = true});
  ASSERT_EQ(KeepIds(d), (Strings{"a", "c"}));
  EXPECT_EQ(d.keep[1].reasons, Strings{"oldest daily snapshot"});
  // No budget left: the oldest is not kept.
  EXPECT_EQ(KeepIds(Apply(s, {.daily = 1, .keep_oldest = true})), Strings{"a"});
}

TEST(ForgetPolicyTest, RejectsEmptyAndNegativePolicies) {
  auto d = ApplyPolicy({Snap("a", "2024-01-01T00:00:00Z")}, {});
  EXPECT_EQ(
      d.status(),
      InvalidArgument("no policy was specified, no snapshots will be removed"));
  EXPECT_EQ(ApplyPolicy({}, {.weekly = -2}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(ApplyPolicyByGroup({}, {}, {}).ok());
  EXPECT_TRUE(ApplyPolicy({}, {.last = 1})->keep.empty());
}

TEST(ForgetPolicyTest, GroupsByHostAndPathsByDefault) {
  std::vector<ForgetSnapshot> s = {
      Snap("1", "2024-01-01T00:00:00Z", {"t"}, "h2", {"/b", "/a"}),
      Snap("2", "2024-01-02T00:00:00Z", {}, "h1", {"/x"}),
      Snap("3", "2024-01-03T00:00:00Z", {}, "h2", {"/a", "/b"}),
      Snap("4", "2024-01-04T00:00:00Z", {"t"}, "h1", {"/x"})};
  auto g = ApplyPolicyByGroup(s, {.last = 1}, {});
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 2u);
  EXPECT_EQ((*g)[0].key, (SnapshotGroupKey{"h1", {"/x"}, {}}));
  EXPECT_EQ(KeepIds((*g)[0].decision), Strings{"4"});
  EXPECT_EQ(RemoveIds((*g)[0].decision), Strings{"2"});
  EXPECT_EQ((*g)[1].key, (SnapshotGroupKey{"h2", {"/a", "/b"}, {}}));
  EXPECT_EQ(KeepIds((*g)[1].decision), Strings{"3"});

  auto by_tags =
      GroupSnapshots(s, {.host = false, .paths = false, .tags = true});
  ASSERT_EQ(by_tags.size(), 2u);
  EXPECT_EQ(by_tags[0].key, SnapshotGroupKey{});
  EXPECT_EQ(by_tags[1].key.tags, Strings{"t"});
  EXPECT_EQ(by_tags[1].snapshots.size(), 2u);
  EXPECT_EQ(GroupSnapshots(s, {.host = false, .paths = false}).size(), 1u);
}

// Differential test against the real restic binary; slow, so it runs only
// with VK_RESTIC_DIFF=1. Times are random within two months around a new
// year, in zones from -11:00 to +14:00, over two hosts and random tags.
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
    out.append(buf, n);
  EXPECT_EQ(::pclose(f), 0) << cmd;
  return out;
}

TEST(ForgetPolicyTest, DifferentialAgainstRestic) {
  const char* flag = std::getenv("VK_RESTIC_DIFF");
  if (flag == nullptr || std::string(flag) != "1") {
    GTEST_SKIP() << "set VK_RESTIC_DIFF=1 to compare with the restic binary";
  }
  std::string dir = ::testing::TempDir() + "/vkforgetXXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  ::setenv("RESTIC_PASSWORD", "x", 1);
  const std::string restic = "restic --no-cache -q -r " + dir + "/repo ";
  Shell(restic + "init");
  // restic >= 0.16 keeps the oldest snapshot of a rule with budget left.
  const std::string version = Shell("restic version");
  const bool oldest = version.rfind("restic 0.14", 0) != 0 &&
                      version.rfind("restic 0.15", 0) != 0;

  std::mt19937 rng(20241230);
  const char* zones[] = {"UTC", "America/New_York", "Asia/Kolkata",
                         "Pacific/Kiritimati", "Pacific/Pago_Pago"};
  for (int i = 0; i < 40; ++i) {
    const auto t = sys_days(std::chrono::year(2024) / 11 / 25) +
                   std::chrono::minutes(rng() % (70 * 24 * 60));
    std::string when = FormatRfc3339(t).substr(0, 19);
    when[10] = ' ';
    const std::string tags[] = {"", "--tag a", "--tag a,b", "--tag b"};
    Shell("echo " + std::to_string(i) + " | TZ=" + zones[rng() % 5] + " " +
          restic + "backup --stdin --host h" + std::to_string(rng() % 2) + " " +
          tags[rng() % 4] + " --time '" + when + "'");
  }
  std::vector<ForgetSnapshot> snaps;
  for (const auto& j :
       nlohmann::json::parse(Shell(restic + "snapshots --json"))) {
    const std::string time = j["time"];
    snaps.push_back(
        Snap(j["id"].get<std::string>(), time, j.value("tags", Strings{}),
             j["hostname"].get<std::string>(), j["paths"].get<Strings>()));
  }
  ASSERT_EQ(snaps.size(), 40u);

  struct Case {
    std::string flags;
    ForgetPolicy policy;
    GroupBy by;
  };
  const std::vector<Case> cases = {
      {"--keep-daily 5 --keep-weekly 3", {.daily = 5, .weekly = 3}, {}},
      {"--keep-hourly 4 --keep-monthly 2 --keep-yearly 1",
       {.hourly = 4, .monthly = 2, .yearly = 1},
       {}},
      {"--keep-last 3 --keep-tag a", {.last = 3, .keep_tags = {{"a"}}}, {}},
      {"--keep-weekly 10 --keep-tag a,b --group-by host,tags",
       {.weekly = 10, .keep_tags = {{"a", "b"}}},
       {.paths = false, .tags = true}},
      {"--keep-daily 100 --group-by ''", {.daily = 100}, {false, false, false}},
  };
  for (auto c : cases) {
    SCOPED_TRACE(c.flags);
    c.policy.keep_oldest = oldest;
    auto ours = ApplyPolicyByGroup(snaps, c.policy, c.by);
    ASSERT_TRUE(ours.ok());
    std::map<SnapshotGroupKey, nlohmann::json> theirs;
    for (const auto& g : nlohmann::json::parse(
             Shell(restic + "forget --dry-run --json " + c.flags))) {
      SnapshotGroupKey key{
          g.value("host", ""),
          g["paths"].is_null() ? Strings{} : Strings(g["paths"]),
          g["tags"].is_null() ? Strings{} : Strings(g["tags"])};
      std::sort(key.paths.begin(), key.paths.end());
      std::sort(key.tags.begin(), key.tags.end());
      theirs[key] = g;
    }
    ASSERT_EQ(theirs.size(), ours->size());
    for (const auto& [key, decision] : *ours) {
      ASSERT_TRUE(theirs.count(key)) << key.hostname;
      const auto& g = theirs[key];
      Strings keep, remove;
      std::vector<Strings> reasons;
      // Empty lists may come as null; iterating a null json visits nothing.
      for (const auto& s : g["keep"])
        keep.push_back(s["id"].get<std::string>());
      for (const auto& s : g["remove"])
        remove.push_back(s["id"].get<std::string>());
      for (const auto& r : g["reasons"])
        reasons.push_back(r["matches"].get<Strings>());
      EXPECT_EQ(KeepIds(decision), keep);
      EXPECT_EQ(RemoveIds(decision), remove);
      std::vector<Strings> our_reasons;
      for (const auto& k : decision.keep) our_reasons.push_back(k.reasons);
      EXPECT_EQ(our_reasons, reasons);
    }
  }
  Shell("rm -rf '" + dir + "'");
}

TEST(ForgetPolicyTest, KeepWithinParses) {
  auto w = ParseKeepWithin("1y5m7d2h");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->years, 1);
  EXPECT_EQ(w->months, 5);
  EXPECT_EQ(w->days, 7);
  EXPECT_EQ(w->hours, 2);
  EXPECT_EQ(w->ToString(), "1y5m7d2h");
  EXPECT_EQ(ParseKeepWithin("48h")->ToString(), "48h");
  EXPECT_EQ(ParseKeepWithin("7d")->days, 7);
  for (const char* bad :
       {"", "7", "d", "7x", "2h7d", "1d1d", "7d ", "-1d", "9999999d"}) {
    EXPECT_FALSE(ParseKeepWithin(bad).ok()) << bad;
  }
}

TEST(ForgetPolicyTest, KeepWithinCountsBackFromTheNewest) {
  std::vector<ForgetSnapshot> s = {
      Snap("a", "2026-03-10T12:00:00Z"), Snap("b", "2026-03-07T12:00:01Z"),
      Snap("c", "2026-03-07T12:00:00Z"), Snap("d", "2026-03-01T00:00:00Z")};
  ForgetPolicy p;
  p.within = *ParseKeepWithin("3d");  // cut-off 03-07 12:00, exclusive
  EXPECT_TRUE(p.HasRule());
  ForgetDecision d = Apply(s, p);
  EXPECT_EQ(KeepIds(d), (Strings{"a", "b"}));
  EXPECT_EQ(RemoveIds(d), (Strings{"c", "d"}));
  EXPECT_EQ(d.keep[0].reasons, (Strings{"within 3d"}));
  // Hours, and the reason's place: after tags, before the count rules.
  p.within = *ParseKeepWithin("72h");
  p.last = 1;
  p.keep_tags = {{"x"}};
  s[0].tags = {"x"};
  d = Apply(s, p);
  EXPECT_EQ(KeepIds(d), (Strings{"a", "b"}));
  EXPECT_EQ(d.keep[0].reasons,
            (Strings{"has tags [x]", "within 72h", "last snapshot"}));
}

TEST(ForgetPolicyTest, KeepWithinMonthsNormalizeAsGoDoes) {
  // 2026-03-31 minus one month is "2026-02-31", that is 2026-03-03.
  std::vector<ForgetSnapshot> s = {Snap("a", "2026-03-31T00:00:00Z"),
                                   Snap("b", "2026-03-03T00:00:01Z"),
                                   Snap("c", "2026-03-03T00:00:00Z")};
  ForgetPolicy p;
  p.within = *ParseKeepWithin("1m");
  EXPECT_EQ(KeepIds(Apply(s, p)), (Strings{"a", "b"}));
  // In the snapshot's own zone: the cut-off is a local date.
  s = {Snap("a", "2026-01-02T01:00:00+05:00"),
       Snap("b", "2026-01-01T01:00:01+05:00"),
       Snap("c", "2026-01-01T01:00:00+05:00")};
  p.within = *ParseKeepWithin("1d");
  EXPECT_EQ(KeepIds(Apply(s, p)), (Strings{"a", "b"}));
}

}  // namespace
}  // namespace vk::repo
