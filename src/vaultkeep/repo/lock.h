// Repository locks in restic's format (restic-format.md §A.7): a lock is an
// encrypted unpacked file `locks/<id>` holding
//   {"time","exclusive","hostname","username","pid","uid","gid"}.
// Writers (backup) hold a non-exclusive lock for the whole write, so that a
// concurrent `restic prune` (exclusive) cannot delete packs that are not
// indexed yet; prune/forget take an exclusive one. An exclusive lock
// conflicts with every other lock.
//
// Acquire: list the locks, write ours, wait 200 ms, list again; back off
// (removing ours) if a conflicting lock appeared. A lock is stale — ignored —
// when its time is more than 30 minutes old, or when it was made on this
// host by a process that no longer exists. While held, the lock is
// refreshed every 5 minutes (new file with a fresh time, then the old one
// removed), as restic does.
#ifndef VAULTKEEP_REPO_LOCK_H_
#define VAULTKEEP_REPO_LOCK_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kit/base/clock.h"
#include "kit/base/time.h"
#include "vaultkeep/repo/repository.h"

namespace vk::repo {

struct LockInfo {
  std::chrono::system_clock::time_point time;
  bool exclusive = false;
  std::string hostname;
  std::string username;
  int64_t pid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

std::string EncodeLock(const LockInfo& lock);
Result<LockInfo> ParseLock(std::string_view json);

// What a lock needs from the outside world; tests substitute it.
struct LockEnv {
  // Lock times are its wall clock; the wait before the second look sleeps
  // on it. (The refresh timer is a real wait that Release interrupts.)
  Clock* clock = &RealClock();
  std::function<bool(int64_t pid)> pid_alive;
  std::string hostname;
  std::string username;
  int64_t pid = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::chrono::milliseconds wait_before_check{200};
  std::chrono::milliseconds refresh_interval{5 * 60 * 1000};
  std::chrono::minutes stale_after{30};
};

// The real process, host, clock and kill(pid, 0).
LockEnv SystemLockEnv();

bool IsStale(const LockInfo& lock, const LockEnv& env);

// The detail of Acquire's error when another live lock is in the way
// (a caller may wait and try again, as the agent does).
struct LockConflict : StatusDetail {
  explicit LockConflict(LockInfo h) : holder(std::move(h)) {}
  LockInfo holder;
};

class RepoLock {
 public:
  // kUnavailable ("repository is already locked ...") with LockConflict on
  // a conflict.
  // `repo` must outlive the lock.
  static Result<std::unique_ptr<RepoLock>> Acquire(Repository& repo,
                                                   bool exclusive, LockEnv env);
  ~RepoLock();  // releases (best effort) if Release was not called
  RepoLock(const RepoLock&) = delete;
  RepoLock& operator=(const RepoLock&) = delete;

  // Writes a new lock file with the current time, then removes the old one.
  Status Refresh();
  // Stops refreshing and removes the lock file.
  Status Release();
  // The first error the background refresher hit, if any.
  Status refresh_status();
  std::string id();

 private:
  RepoLock(Repository& repo, LockInfo info, std::string id, LockEnv env);
  void RefreshLoop();

  Repository& repo_;
  LockInfo info_;
  LockEnv env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string id_;         // guarded by mu_
  bool released_ = false;  // guarded by mu_
  Status refresh_error_;   // guarded by mu_
  std::thread refresher_;
};

// `unlock`: removes the lock files whose holder is gone (stale, or
// unreadable: a lock that cannot be read protects nothing), or every lock
// with `remove_all`. Lock files released meanwhile are skipped.
struct UnlockResult {
  std::vector<std::string> removed, kept;  // lock file IDs
};
Result<UnlockResult> RemoveStaleLocks(Repository& repo, bool remove_all,
                                      const LockEnv& env);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_LOCK_H_
