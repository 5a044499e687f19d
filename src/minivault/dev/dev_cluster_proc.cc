#include "minivault/dev/dev_cluster_proc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "kit/env/file.h"

namespace vk::minivault {
namespace {

// Moves a new descriptor above 2, so that placing the child's 0, 1 and 2
// cannot overwrite it (it would be 0..2 when the caller runs without them).
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  close(fd);
  errno = err;
  return moved;
}

}  // namespace

// kRunning only for a live process whose argv holds `--data-dir <data_dir>`, so
// a pid recycled by another process is never signalled.
ProcState StateOfProcess(pid_t pid, const std::string& data_dir) {
  if (pid <= 1) return ProcState::kGone;
  std::string proc = "/proc/" + std::to_string(pid);
  auto stat = ReadSmallFile(proc + "/stat");
  if (!stat.ok()) return ProcState::kGone;
  size_t paren = stat.value().rfind(')');
  if (paren != std::string::npos && paren + 2 < stat.value().size() &&
      stat.value()[paren + 2] == 'Z')
    return ProcState::kZombie;
  auto cmdline = ReadSmallFile(proc + "/cmdline");
  if (!cmdline.ok()) return ProcState::kGone;
  std::string want = std::string("--data-dir") + '\0' + data_dir + '\0';
  return cmdline.value().find(want) != std::string::npos ? ProcState::kRunning
                                                         : ProcState::kGone;
}

std::string ExitText(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status))
    return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
  return "stopped";
}

// Starts `binary args...` as a daemon: its own session, stdin from
// /dev/null, stdout and stderr appended to `log`, no other descriptors.
Result<pid_t> SpawnDaemon(const std::string& binary,
                          const std::vector<std::string>& args,
                          const std::string& log) {
  int null_fd = AboveStdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_fd < 0) return ErrnoStatus("open /dev/null", errno);
  int log_fd = AboveStdio(
      open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (log_fd < 0) {
    int err = errno;
    close(null_fd);
    return ErrnoStatus("open " + log, err);
  }
  // Everything the child needs is built before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  static const char kExecFailed[] = "minivault dev-cluster: exec failed\n";
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    close_range(3, ~0U, 0);
    // The server waits for SIGTERM/SIGINT with sigwait: neither may be
    // ignored or blocked, whatever the shell that ran us did.
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(binary.c_str(), argv.data());
    ssize_t ignored = write(2, kExecFailed, sizeof(kExecFailed) - 1);
    (void)ignored;
    _exit(127);
  }
  int err = errno;
  close(null_fd);
  close(log_fd);
  if (pid < 0) return ErrnoStatus("fork", err);
  return pid;
}

}  // namespace vk::minivault
