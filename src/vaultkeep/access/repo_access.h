// Reaching a repository: the location (a flag or the environment), the
// storage driver that serves it, the password from a file or the
// environment, and opening it under the right lock. The commands and the
// agent share this; only asking for a password on a terminal is left to
// the caller (a program with a terminal).
#ifndef VAULTKEEP_ACCESS_REPO_ACCESS_H_
#define VAULTKEEP_ACCESS_REPO_ACCESS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/repo/lock.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/storage/driver.h"

namespace vk::access {

// Every storage driver vaultkeep has, in the order they are asked whether
// they serve a location. A new driver is one line here.
const std::vector<storage::Driver>& StorageDrivers();

struct RepoLocation {
  std::string where;  // as given: "/dir", "local:/dir", "s3:host/bucket"
  storage::DriverOptions options;
};

// `flag` when set, else $VAULTKEEP_REPOSITORY, else $RESTIC_REPOSITORY.
Result<std::string> ResolveLocation(const std::string& flag);

// The driver serving `where`, or InvalidArgument naming the type and the
// supported ones.
Result<const storage::Driver*> DriverFor(const std::string& where);

// The location's syntax, options and credentials, without touching the
// disk or the network.
Status CheckLocation(const RepoLocation& loc);

// `create` makes the directory or bucket (init); otherwise it must exist.
Result<std::unique_ptr<storage::Storage>> OpenStorage(const RepoLocation& loc,
                                                      bool create);

// The password from `password_file`, else $VAULTKEEP_PASSWORD, else
// $RESTIC_PASSWORD_FILE, else $RESTIC_PASSWORD; nullopt when none is set
// (the caller may ask on a terminal). The result is a secret.
Result<std::optional<std::string>> PasswordFromFileOrEnv(
    const std::string& password_file);

enum class LockMode {
  kNone,       // reads that tolerate a concurrent writer (snapshots, ls)
  kShared,     // writers that only add (backup, restore's read of a backup)
  kExclusive,  // writers that remove (forget, prune)
};

// An open repository and the lock held on it. The lock is released
// (best effort) when this is destroyed; Release() reports errors.
struct OpenRepo {
  std::unique_ptr<repo::Repository> repo;
  std::unique_ptr<repo::RepoLock> lock;  // null for LockMode::kNone
  Status Release();
};

Result<OpenRepo> OpenRepository(const RepoLocation& loc,
                                const std::string& password, LockMode mode);

// Takes a restic-compatible lock on an open repository.
Result<std::unique_ptr<repo::RepoLock>> Lock(repo::Repository& r,
                                             LockMode mode);

}  // namespace vk::access

#endif  // VAULTKEEP_ACCESS_REPO_ACCESS_H_
