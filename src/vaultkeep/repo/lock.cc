#include "vaultkeep/repo/lock.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

namespace vk::repo {
namespace {

struct Held {
  std::string id;
  LockInfo info;
};

// Loads every lock but `own`; locks deleted while we list are skipped.
Result<std::vector<Held>> LoadLocks(Repository& repo, const std::string& own) {
  VK_ASSIGN_OR_RETURN(std::vector<std::string> ids, repo.ListIds(kLocksDir));
  std::vector<Held> out;
  for (const std::string& id : ids) {
    if (id == own) continue;
    auto json = repo.LoadUnpacked(kLocksDir, id);
    if (!json.ok()) {
      if (json.status().code() == StatusCode::kNotFound) continue;
      return json.status();
    }
    auto info = ParseLock(*json);
    if (!info.ok()) return info.status().WithContext("locks/" + id);
    out.push_back({id, std::move(*info)});
  }
  return out;
}

Status CheckConflicts(Repository& repo, bool exclusive, const std::string& own,
                      const LockEnv& env) {
  VK_ASSIGN_OR_RETURN(std::vector<Held> locks, LoadLocks(repo, own));
  for (const Held& h : locks) {
    if (IsStale(h.info, env) || (!exclusive && !h.info.exclusive)) continue;
    return Unavailable(std::string("repository is already locked ") +
                       (h.info.exclusive ? "exclusively " : "") + "by PID " +
                       std::to_string(h.info.pid) + " on " + h.info.hostname +
                       " by " + h.info.username + " since " +
                       FormatRfc3339(h.info.time) + " (lock " +
                       h.id.substr(0, 8) + "; it counts as stale after " +
                       std::to_string(env.stale_after.count()) + " minutes)")
        .WithDetail(std::make_shared<LockConflict>(h.info));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeLock(const LockInfo& l) {
  nlohmann::ordered_json j;
  j["time"] = FormatRfc3339(l.time);
  j["exclusive"] = l.exclusive;
  j["hostname"] = l.hostname;
  j["username"] = l.username;
  j["pid"] = l.pid;
  j["uid"] = l.uid;
  j["gid"] = l.gid;
  return j.dump();
}

Result<LockInfo> ParseLock(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("time") ||
      !j["time"].is_string()) {
    return Corruption("lock file is malformed");
  }
  LockInfo l;
  VK_ASSIGN_OR_RETURN(l.time, ParseRfc3339(j["time"].get<std::string>()));
  l.exclusive = j.value("exclusive", false);
  l.hostname = j.value("hostname", "");
  l.username = j.value("username", "");
  l.pid = j.value("pid", int64_t{0});
  l.uid = j.value("uid", uint32_t{0});
  l.gid = j.value("gid", uint32_t{0});
  return l;
}

LockEnv SystemLockEnv() {
  LockEnv env;
  env.clock = &RealClock();
  env.pid_alive = [](int64_t pid) {
    return pid > 0 &&
           (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
  };
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  env.hostname = host;
  if (passwd* pw = ::getpwuid(::getuid())) env.username = pw->pw_name;
  env.pid = ::getpid();
  env.uid = ::getuid();
  env.gid = ::getgid();
  return env;
}

bool IsStale(const LockInfo& lock, const LockEnv& env) {
  if (env.clock->WallNow() - lock.time > env.stale_after) return true;
  return lock.hostname == env.hostname && !env.pid_alive(lock.pid);
}

Result<std::unique_ptr<RepoLock>> RepoLock::Acquire(Repository& repo,
                                                    bool exclusive,
                                                    LockEnv env) {
  VK_RETURN_IF_ERROR(CheckConflicts(repo, exclusive, "", env));
  LockInfo info{env.clock->WallNow(),
                exclusive,
                env.hostname,
                env.username,
                env.pid,
                env.uid,
                env.gid};
  VK_ASSIGN_OR_RETURN(std::string id,
                      repo.SaveUnpacked(kLocksDir, EncodeLock(info)));
  // Another process may have written its lock at the same time.
  env.clock->SleepFor(env.wait_before_check);
  Status again = CheckConflicts(repo, exclusive, id, env);
  if (!again.ok()) {
    (void)repo.storage().Remove(std::string(kLocksDir) + "/" + id);
    return again;
  }
  return std::unique_ptr<RepoLock>(
      new RepoLock(repo, info, id, std::move(env)));
}

RepoLock::RepoLock(Repository& repo, LockInfo info, std::string id, LockEnv env)
    : repo_(repo),
      info_(std::move(info)),
      env_(std::move(env)),
      id_(std::move(id)) {
  refresher_ = std::thread([this] { RefreshLoop(); });
}

RepoLock::~RepoLock() { (void)Release(); }

void RepoLock::RefreshLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!released_) {
    if (cv_.wait_for(lock, env_.refresh_interval,
                     [this] { return released_; })) {
      return;
    }
    lock.unlock();
    Status s = Refresh();
    lock.lock();
    if (!s.ok() && refresh_error_.ok()) refresh_error_ = s;
  }
}

Status RepoLock::Refresh() {
  LockInfo fresh = info_;
  fresh.time = env_.clock->WallNow();
  VK_ASSIGN_OR_RETURN(std::string new_id,
                      repo_.SaveUnpacked(kLocksDir, EncodeLock(fresh)));
  std::string old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = id_;
    id_ = new_id;
  }
  Status removed = repo_.storage().Remove(std::string(kLocksDir) + "/" + old);
  if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
  return Status::Ok();
}

Status RepoLock::Release() {
  std::string id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (released_) return Status::Ok();
    released_ = true;
  }
  cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = id_;
  }
  Status s = repo_.storage().Remove(std::string(kLocksDir) + "/" + id);
  return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
}

Status RepoLock::refresh_status() {
  std::lock_guard<std::mutex> lock(mu_);
  return refresh_error_;
}

std::string RepoLock::id() {
  std::lock_guard<std::mutex> lock(mu_);
  return id_;
}

Result<UnlockResult> RemoveStaleLocks(Repository& repo, bool remove_all,
                                      const LockEnv& env) {
  VK_ASSIGN_OR_RETURN(auto ids, repo.ListIds(kLocksDir));
  UnlockResult out;
  for (const std::string& id : ids) {
    auto json = repo.LoadUnpacked(kLocksDir, id);
    bool stale = true;
    if (json.ok()) {
      auto info = ParseLock(*json);
      if (info.ok()) stale = IsStale(*info, env);
    } else if (json.status().code() == StatusCode::kNotFound) {
      continue;
    }
    if (!stale && !remove_all) {
      out.kept.push_back(id);
      continue;
    }
    Status st = repo.storage().Remove(std::string(kLocksDir) + "/" + id);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    out.removed.push_back(id);
  }
  return out;
}

}  // namespace vk::repo
