// Flags and environment shared by every command that opens a repository:
// where it is (-r/--repo, VAULTKEEP_REPOSITORY, RESTIC_REPOSITORY) and its
// password. The password never comes from the command line: it is read from
// --password-file, VAULTKEEP_PASSWORD, RESTIC_PASSWORD_FILE or
// RESTIC_PASSWORD (in that order), or asked for on the terminal.
#ifndef VAULTKEEP_CLI_REPO_OPTIONS_H_
#define VAULTKEEP_CLI_REPO_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "vaultkeep/access/repo_access.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/repo/lock.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/storage/storage.h"

namespace vk::cli {

struct RepoOptions {
  std::string repo;
  std::string password_file;
  storage::DriverOptions s3;  // -o, --cacert, --insecure-tls
};

void AddRepoOptions(CLI::App* cmd, RepoOptions* o);

// The location the flags and environment name (access::ResolveLocation).
Result<access::RepoLocation> LocationOf(const RepoOptions& o);

// access::OpenStorage of LocationOf(o): `create` makes the local directory
// or the bucket (for init); without it the location must exist.
Result<std::unique_ptr<storage::Storage>> OpenRepoStorage(const RepoOptions& o,
                                                          bool create);

// Checks the location's syntax, options and credentials without touching
// the disk or the network (init does this before asking for a password).
Status CheckRepoLocation(const RepoOptions& o);

// `confirm` asks twice on a terminal (for a new repository).
Result<std::string> ReadPassword(const RepoOptions& o, bool confirm);

// Opens the repository the flags name (reads that need no lock).
Result<std::unique_ptr<repo::Repository>> OpenRepository(const RepoOptions& o);
// Opens it and takes `mode`'s restic-compatible lock, held until the
// result's Release() or destruction.
Result<access::OpenRepo> OpenRepository(const RepoOptions& o,
                                        access::LockMode mode);
// backup::FindSnapshot, printing what it passed over (damaged snapshot
// files, newer backups whose keys are unusable) as warnings on stderr.
Result<backup::SnapshotEntry> FindSnapshotWarn(repo::Repository& r,
                                               std::string_view spec);
// backup::ListSnapshots, warning about each unreadable snapshot file.
Result<std::vector<backup::SnapshotEntry>> ListSnapshotsWarn(
    repo::Repository& r);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_REPO_OPTIONS_H_
