// vaultkeep forget / prune: remove snapshots by restic's retention rules
// (and, with --prune or `prune`, the data nothing needs any more). Both
// take the exclusive lock; the newest snapshot of each group is never
// removed.
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/backup/forget.h"
#include "vaultkeep/backup/prune.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"
#include "vaultkeep/repo/forget_policy.h"

namespace vk::cli {
namespace {

struct ForgetOptions {
  RepoOptions repo;
  std::vector<std::string> ids;  // remove these, whatever the policy says
  repo::ForgetPolicy policy;
  std::vector<std::string> keep_tags;
  std::string keep_within;
  std::string group_by = "host,paths";
  bool dry_run = false;
  bool prune = false;
  bool json = false;
};

Result<repo::GroupBy> ParseGroupBy(std::string_view s) {
  repo::GroupBy g{.host = false, .paths = false, .tags = false};
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view f = s.substr(start, end - start);
    if (f == "host")
      g.host = true;
    else if (f == "paths")
      g.paths = true;
    else if (f == "tags")
      g.tags = true;
    else if (!f.empty())
      return InvalidArgument("--group-by: unknown field \"" + std::string(f) +
                             "\" (use host, paths, tags)");
    start = end + 1;
  }
  return g;
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(',', start);
    out.push_back(s.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string FormatTagsTime(const repo::ForgetSnapshot& s) {
  std::string tags;
  for (const auto& t : s.tags) tags += (tags.empty() ? "" : ",") + t;
  return FormatRfc3339(s.time) + "\t" + tags;
}

std::string PruneSummary(const backup::PruneReport& r, bool dry_run) {
  return std::string(dry_run ? "would remove " : "removed ") +
         std::to_string(r.blobs_removed) +
         " unused blobs: " + std::to_string(r.packs_deleted) +
         " packs deleted, " + std::to_string(r.packs_repacked) +
         " repacked into " + std::to_string(r.packs_written) + "; " +
         HumanBytes(r.bytes_freed) + (dry_run ? " would be freed" : " freed") +
         " of " + HumanBytes(r.bytes_before) + "\n";
}

nlohmann::ordered_json PruneJson(const backup::PruneReport& r) {
  return {
      {"packs_total", r.packs_total},       {"packs_deleted", r.packs_deleted},
      {"packs_repacked", r.packs_repacked}, {"packs_written", r.packs_written},
      {"blobs_used", r.blobs_used},         {"blobs_removed", r.blobs_removed},
      {"bytes_before", r.bytes_before},     {"bytes_freed", r.bytes_freed}};
}

// forget ID...: removes exactly the named snapshot files.
Status ForgetIds(const ForgetOptions& o, repo::Repository& repo,
                 std::vector<std::string>* removed, std::string* text) {
  VK_ASSIGN_OR_RETURN(*removed, backup::ResolveSnapshotIds(repo, o.ids));
  for (const std::string& id : *removed) {
    *text += (o.dry_run ? "would remove snapshot " : "removed snapshot ") +
             id.substr(0, 8) + "\n";
  }
  return o.dry_run ? Status::Ok() : backup::RemoveSnapshots(repo, *removed);
}

// The common tail of both forms: prune when asked (and when anything was
// removed), release the lock, print `j` or `text`.
Status PruneAndPrint(const ForgetOptions& o, access::OpenRepo& opened,
                     bool prune, nlohmann::ordered_json j, std::string text) {
  if (prune) {
    VK_ASSIGN_OR_RETURN(auto report,
                        backup::Prune(*opened.repo, {.dry_run = o.dry_run}));
    text += PruneSummary(report, o.dry_run);
    j["prune"] = PruneJson(report);
  }
  VK_RETURN_IF_ERROR(opened.Release());
  PrintOut(o.json ? j.dump(2) + "\n" : text);
  return Status::Ok();
}

Status RunForget(const ForgetOptions& o) {
  VK_ASSIGN_OR_RETURN(repo::GroupBy by, ParseGroupBy(o.group_by));
  repo::ForgetPolicy policy = o.policy;
  for (const std::string& t : o.keep_tags)
    policy.keep_tags.push_back(SplitComma(t));
  if (!o.keep_within.empty()) {
    VK_ASSIGN_OR_RETURN(policy.within, repo::ParseKeepWithin(o.keep_within));
  }
  if (!o.ids.empty() && policy.HasRule())
    return InvalidArgument("give snapshot IDs or --keep-* rules, not both");
  VK_ASSIGN_OR_RETURN(
      access::OpenRepo opened,
      OpenRepository(o.repo, o.dry_run ? access::LockMode::kShared
                                       : access::LockMode::kExclusive));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  if (!o.ids.empty()) {
    std::vector<std::string> removed;
    std::string text;
    VK_RETURN_IF_ERROR(ForgetIds(o, *repo, &removed, &text));
    nlohmann::ordered_json j{{"removed", removed}, {"dry_run", o.dry_run}};
    return PruneAndPrint(o, opened, o.prune, std::move(j), text);
  }
  std::vector<backup::UnreadableSnapshot> unreadable;
  Result<std::vector<repo::GroupDecision>> planned =
      backup::PlanForget(*repo, policy, by, &unreadable);
  for (const auto& u : unreadable) PrintWarning(u.Note());
  VK_ASSIGN_OR_RETURN(auto groups, std::move(planned));

  nlohmann::ordered_json jgroups = nlohmann::ordered_json::array();
  std::string text;
  std::vector<std::string> remove;
  for (const auto& g : groups) {
    nlohmann::ordered_json jg;
    jg["host"] = g.key.hostname;
    jg["paths"] = g.key.paths;
    jg["tags"] = g.key.tags;
    jg["keep"] = nlohmann::ordered_json::array();
    jg["remove"] = nlohmann::ordered_json::array();
    jg["keys_unusable"] = g.key.apart;
    text += "snapshots for host \"" + g.key.hostname + "\"" +
            (g.key.apart ? " whose escrowed keys are unusable (kept apart: "
                           "they take no keep slot from good backups)"
                         : "") +
            "\nkeep " + std::to_string(g.decision.keep.size()) +
            " snapshots:\n";
    std::string table = "ID\tTime\tTags\tReasons\n";
    for (const auto& k : g.decision.keep) {
      std::string reasons;
      for (const auto& r : k.reasons)
        reasons += (reasons.empty() ? "" : ", ") + r;
      table += k.snapshot.id.substr(0, 8) + "\t" + FormatTagsTime(k.snapshot) +
               "\t" + reasons + "\n";
      jg["keep"].push_back({{"id", k.snapshot.id}, {"reasons", k.reasons}});
    }
    text += Tabulate(table);
    if (!g.decision.remove.empty()) {
      text += (o.dry_run ? "would remove " : "remove ") +
              std::to_string(g.decision.remove.size()) + " snapshots:\n";
      std::string rt = "ID\tTime\tTags\n";
      for (const auto& r : g.decision.remove) {
        rt += r.id.substr(0, 8) + "\t" + FormatTagsTime(r) + "\n";
        jg["remove"].push_back(r.id);
        remove.push_back(r.id);
      }
      text += Tabulate(rt);
    }
    jgroups.push_back(std::move(jg));
  }
  if (!o.dry_run) VK_RETURN_IF_ERROR(backup::RemoveSnapshots(*repo, remove));
  nlohmann::ordered_json j{{"groups", jgroups}, {"dry_run", o.dry_run}};
  return PruneAndPrint(o, opened, o.prune && !remove.empty(), std::move(j),
                       text);
}

struct PruneCmdOptions {
  RepoOptions repo;
  bool dry_run = false;
  bool json = false;
};

Status RunPrune(const PruneCmdOptions& o) {
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(o.repo, access::LockMode::kExclusive));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(auto report,
                      backup::Prune(*repo, {.dry_run = o.dry_run}));
  VK_RETURN_IF_ERROR(opened.Release());
  PrintOut(o.json ? PruneJson(report).dump(2) + "\n"
                  : PruneSummary(report, o.dry_run));
  return Status::Ok();
}

}  // namespace

void RegisterForget(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<ForgetOptions>();
  CLI::App* cmd = app.add_subcommand(
      "forget",
      "Remove snapshots by retention rules (the newest of each group is "
      "always kept).");
  cmd->add_option("snapshot", o->ids,
                  "Remove these snapshots (IDs or unique prefixes), whether "
                  "or not their files can be read, instead of applying "
                  "--keep-* rules");
  cmd->add_option("--keep-last", o->policy.last, "Keep the last N snapshots");
  cmd->add_option("--keep-hourly", o->policy.hourly, "Keep N hourly snapshots");
  cmd->add_option("--keep-daily", o->policy.daily, "Keep N daily snapshots");
  cmd->add_option("--keep-weekly", o->policy.weekly, "Keep N weekly snapshots");
  cmd->add_option("--keep-monthly", o->policy.monthly,
                  "Keep N monthly snapshots");
  cmd->add_option("--keep-yearly", o->policy.yearly, "Keep N yearly snapshots");
  cmd->add_option("--keep-within", o->keep_within,
                  "Keep every snapshot newer than the newest one minus this "
                  "span (1y5m7d2h: years, months, days, hours)");
  cmd->add_option("--keep-tag", o->keep_tags,
                  "Keep snapshots with these tags (a,b = both; repeatable)");
  cmd->add_option("--group-by", o->group_by, "host, paths, tags or a mix")
      ->capture_default_str();
  cmd->add_flag("--dry-run,-n", o->dry_run, "Only show what would be removed");
  cmd->add_flag("--prune", o->prune, "Prune unused data afterwards");
  cmd->add_flag("--json", o->json, "Print as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunForget(*o); }; });

  auto p = std::make_shared<PruneCmdOptions>();
  CLI::App* pc = app.add_subcommand(
      "prune", "Delete data no snapshot needs (takes the exclusive lock).");
  pc->add_flag("--dry-run,-n", p->dry_run, "Only show what would be removed");
  pc->add_flag("--json", p->json, "Print as JSON");
  AddRepoOptions(pc, &p->repo);
  pc->callback([p, ctx] { ctx->action = [p] { return RunPrune(*p); }; });
}

}  // namespace vk::cli
