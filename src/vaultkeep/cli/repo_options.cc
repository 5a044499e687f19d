#include "vaultkeep/cli/repo_options.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "kit/base/strings.h"
#include "kit/env/file.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/s3/s3_storage.h"

namespace vk::cli {
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

// Reads one line from the terminal with echo off. Never logs the input.
Result<std::string> Prompt(const char* question) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return InvalidArgument(
        "no password given: set VAULTKEEP_PASSWORD or use --password-file "
        "(RESTIC_PASSWORD and RESTIC_PASSWORD_FILE work too)");
  }
  std::fputs(question, tty);
  std::fflush(tty);
  int fd = fileno(tty);
  termios old{};
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c;
  while ((c = std::fgetc(tty)) != EOF && c != '\n')
    line += static_cast<char>(c);
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

}  // namespace

void AddRepoOptions(CLI::App* cmd, RepoOptions* o) {
  cmd->add_option("-r,--repo", o->repo,
                  "Repository: a directory, local:DIR, or "
                  "s3:[https://]host[:port]/bucket[/prefix] (default: "
                  "$VAULTKEEP_REPOSITORY, then $RESTIC_REPOSITORY)");
  // restic's -o, except where a command already uses it (dump -o FILE).
  const char* names =
      cmd->get_option_no_throw("-o") ? "--option" : "-o,--option";
  cmd->add_option(names, o->s3.extended,
                  "Set an extended option key=value (repeatable): "
                  "s3.region, s3.bucket-lookup=auto|dns|path, "
                  "s3.connections, s3.part-size, s3.multipart-threshold, "
                  "s3.stall-timeout");
  cmd->add_option("--cacert", o->s3.cacert,
                  "Trust the CA certificates in this PEM file for an "
                  "https S3 endpoint (as restic's --cacert)");
  cmd->add_flag("--insecure-tls", o->s3.insecure_tls,
                "Do not verify the S3 endpoint's TLS certificate");
  cmd->add_option("--password-file", o->password_file,
                  "Read the repository password from this file (default: "
                  "$VAULTKEEP_PASSWORD, $RESTIC_PASSWORD_FILE, "
                  "$RESTIC_PASSWORD, or a prompt)");
}

namespace {

// The repository string from the flag or the environment.
Result<std::string> Where(const RepoOptions& o) {
  std::string where = o.repo;
  if (where.empty()) where = Getenv("VAULTKEEP_REPOSITORY");
  if (where.empty()) where = Getenv("RESTIC_REPOSITORY");
  if (where.empty()) {
    return InvalidArgument(
        "no repository given: use -r/--repo or set VAULTKEEP_REPOSITORY");
  }
  if (s3::IsS3Url(where)) return where;
  if (where.rfind("local:", 0) == 0) where = where.substr(6);
  size_t colon = where.find(':');
  if (colon != std::string::npos && where.find('/') > colon) {
    return InvalidArgument("repository type \"" + where.substr(0, colon) +
                           "\" is not supported (local directories and s3: "
                           "only)");
  }
  return where;
}

}  // namespace

Status CheckRepoLocation(const RepoOptions& o) {
  VK_ASSIGN_OR_RETURN(std::string where, Where(o));
  bool s3 = s3::IsS3Url(where);
  VK_RETURN_IF_ERROR(CheckExtendedOptions(o.s3.extended, s3));
  if (s3) VK_RETURN_IF_ERROR(S3OptionsFor(where, o.s3).status());
  return Status::Ok();
}

Result<std::unique_ptr<storage::Storage>> OpenRepoStorage(const RepoOptions& o,
                                                          bool create) {
  VK_ASSIGN_OR_RETURN(std::string where, Where(o));
  bool s3 = s3::IsS3Url(where);
  VK_RETURN_IF_ERROR(CheckExtendedOptions(o.s3.extended, s3));
  if (s3) {
    VK_ASSIGN_OR_RETURN(s3::S3Options so, S3OptionsFor(where, o.s3));
    return s3::OpenS3Storage(std::move(so), create);
  }
  if (create) VK_RETURN_IF_ERROR(MakeDirs(where, 0700));
  return storage::NewLocalStorage(where);
}

Result<std::string> ReadPassword(const RepoOptions& o, bool confirm) {
  if (!o.password_file.empty()) return ReadPasswordFile(o.password_file);
  if (const char* v = std::getenv("VAULTKEEP_PASSWORD")) return std::string(v);
  if (std::string f = Getenv("RESTIC_PASSWORD_FILE"); !f.empty()) {
    return ReadPasswordFile(f);
  }
  if (const char* v = std::getenv("RESTIC_PASSWORD")) return std::string(v);
  VK_ASSIGN_OR_RETURN(std::string pw, Prompt("enter repository password: "));
  if (confirm) {
    VK_ASSIGN_OR_RETURN(std::string again, Prompt("enter password again: "));
    if (again != pw) return InvalidArgument("passwords do not match");
  }
  return pw;
}

Result<std::unique_ptr<repo::Repository>> OpenRepository(const RepoOptions& o) {
  VK_ASSIGN_OR_RETURN(auto storage, OpenRepoStorage(o, false));
  VK_ASSIGN_OR_RETURN(std::string password, ReadPassword(o, false));
  return repo::Repository::Open(std::move(storage), password);
}

Result<std::unique_ptr<repo::RepoLock>> LockRepository(repo::Repository& r,
                                                       bool exclusive) {
  return repo::RepoLock::Acquire(r, exclusive, repo::SystemLockEnv());
}

Result<backup::SnapshotEntry> FindSnapshotWarn(repo::Repository& r,
                                               std::string_view spec) {
  backup::FindNotes notes;
  Result<backup::SnapshotEntry> found = backup::FindSnapshot(r, spec, &notes);
  for (const std::string& line : notes.lines) PrintWarning(line);
  return found;
}

Result<std::vector<backup::SnapshotEntry>> ListSnapshotsWarn(
    repo::Repository& r) {
  std::vector<backup::UnreadableSnapshot> bad;
  Result<std::vector<backup::SnapshotEntry>> all =
      backup::ListSnapshots(r, &bad);
  for (const auto& u : bad) {
    PrintWarning("skipped " + u.status.message() +
                 " (`vaultkeep check` reports it; `vaultkeep forget " +
                 u.id.substr(0, 8) + "` removes it)");
  }
  return all;
}

}  // namespace vk::cli
