#include "vaultkeep/access/repo_access.h"

#include <cstdlib>

#include "kit/base/strings.h"
#include "kit/env/file.h"
#include "vaultkeep/s3/options.h"
#include "vaultkeep/storage/failure_tag.h"

namespace vk::access {
namespace {

Result<std::string> ReadPasswordFile(const std::string& path) {
  VK_ASSIGN_OR_RETURN(auto file, FileSource::Open(path));
  auto text = ReadAllBounded(*file, 64 * 1024);
  if (!text.ok()) {
    return text.status().code() == StatusCode::kInvalidArgument
               ? InvalidArgument("password file " + path + " is too large")
               : text.status();
  }
  return TrimSpace(std::move(*text));
}

}  // namespace

const std::vector<storage::Driver>& StorageDrivers() {
  // S3 first: "s3:host/bucket" has a colon before its first slash, which
  // the local driver would otherwise take for an unknown scheme.
  static const std::vector<storage::Driver> drivers = {
      s3::S3Driver(),
      storage::LocalDriver(),
  };
  return drivers;
}

Result<std::string> ResolveLocation(const std::string& flag) {
  std::string where = flag;
  if (where.empty()) where = Getenv("VAULTKEEP_REPOSITORY");
  if (where.empty()) where = Getenv("RESTIC_REPOSITORY");
  if (where.empty()) {
    return InvalidArgument(
        "no repository given: use -r/--repo or set VAULTKEEP_REPOSITORY");
  }
  return where;
}

Result<const storage::Driver*> DriverFor(const std::string& where) {
  std::vector<std::string> names;
  for (const storage::Driver& d : StorageDrivers()) {
    if (d.claims(where)) return &d;
    names.push_back(d.name == "local" ? "local directories" : d.name + ":");
  }
  size_t colon = where.find(':');
  return InvalidArgument("repository type \"" + where.substr(0, colon) +
                         "\" is not supported (" + Join(names, " and ") +
                         " only)");
}

Status CheckLocation(const RepoLocation& loc) {
  VK_ASSIGN_OR_RETURN(const storage::Driver* d, DriverFor(loc.where));
  return d->check(loc.where, loc.options);
}

Result<std::unique_ptr<storage::Storage>> OpenStorage(const RepoLocation& loc,
                                                      bool create) {
  VK_ASSIGN_OR_RETURN(const storage::Driver* d, DriverFor(loc.where));
  VK_ASSIGN_OR_RETURN(std::unique_ptr<storage::Storage> s,
                      d->open(loc.where, loc.options, create));
  return storage::TagFailures(std::move(s));
}

Result<std::optional<std::string>> PasswordFromFileOrEnv(
    const std::string& password_file) {
  std::string file = password_file;
  if (file.empty()) {
    if (const char* v = std::getenv("VAULTKEEP_PASSWORD"))
      return std::optional<std::string>(v);
    file = Getenv("RESTIC_PASSWORD_FILE");
  }
  if (!file.empty()) {
    VK_ASSIGN_OR_RETURN(std::string pw, ReadPasswordFile(file));
    return std::optional<std::string>(std::move(pw));
  }
  if (const char* v = std::getenv("RESTIC_PASSWORD"))
    return std::optional<std::string>(v);
  return std::optional<std::string>();
}

Status OpenRepo::Release() {
  if (!lock) return Status::Ok();
  Status s = lock->Release();
  lock.reset();
  return s;
}

Result<std::unique_ptr<repo::RepoLock>> Lock(repo::Repository& r,
                                             LockMode mode) {
  if (mode == LockMode::kNone) return std::unique_ptr<repo::RepoLock>();
  return repo::RepoLock::Acquire(r, mode == LockMode::kExclusive,
                                 repo::SystemLockEnv());
}

Result<OpenRepo> OpenRepository(const RepoLocation& loc,
                                const std::string& password, LockMode mode) {
  VK_ASSIGN_OR_RETURN(auto storage, OpenStorage(loc, false));
  OpenRepo out;
  VK_ASSIGN_OR_RETURN(out.repo,
                      repo::Repository::Open(std::move(storage), password));
  VK_ASSIGN_OR_RETURN(out.lock, Lock(*out.repo, mode));
  return out;
}

}  // namespace vk::access
