#include "vaultkeep/cli/repo_options.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "kit/base/strings.h"
#include "vaultkeep/cli/output.h"

namespace vk::cli {
namespace {

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

Result<access::RepoLocation> LocationOf(const RepoOptions& o) {
  access::RepoLocation loc;
  VK_ASSIGN_OR_RETURN(loc.where, access::ResolveLocation(o.repo));
  loc.options = o.s3;
  return loc;
}

Status CheckRepoLocation(const RepoOptions& o) {
  VK_ASSIGN_OR_RETURN(access::RepoLocation loc, LocationOf(o));
  return access::CheckLocation(loc);
}

Result<std::unique_ptr<storage::Storage>> OpenRepoStorage(const RepoOptions& o,
                                                          bool create) {
  VK_ASSIGN_OR_RETURN(access::RepoLocation loc, LocationOf(o));
  return access::OpenStorage(loc, create);
}

Result<std::string> ReadPassword(const RepoOptions& o, bool confirm) {
  VK_ASSIGN_OR_RETURN(std::optional<std::string> given,
                      access::PasswordFromFileOrEnv(o.password_file));
  if (given) return std::move(*given);
  VK_ASSIGN_OR_RETURN(std::string pw, Prompt("enter repository password: "));
  if (confirm) {
    VK_ASSIGN_OR_RETURN(std::string again, Prompt("enter password again: "));
    if (again != pw) return InvalidArgument("passwords do not match");
  }
  return pw;
}

Result<access::OpenRepo> OpenRepository(const RepoOptions& o,
                                        access::LockMode mode) {
  VK_ASSIGN_OR_RETURN(access::RepoLocation loc, LocationOf(o));
  VK_ASSIGN_OR_RETURN(std::string password, ReadPassword(o, false));
  Result<access::OpenRepo> r = access::OpenRepository(loc, password, mode);
  Wipe(password);
  return r;
}

Result<std::unique_ptr<repo::Repository>> OpenRepository(const RepoOptions& o) {
  VK_ASSIGN_OR_RETURN(access::OpenRepo r,
                      OpenRepository(o, access::LockMode::kNone));
  return std::move(r.repo);
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
  for (const auto& u : bad) PrintWarning(u.Note());
  return all;
}

}  // namespace vk::cli
