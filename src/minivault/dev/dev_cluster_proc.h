// Process handling for `minivault dev-cluster`: starting a server as a
// daemon and recognising it again later by its pid without ever signalling
// a recycled pid.
#ifndef MINIVAULT_DEV_DEV_CLUSTER_PROC_H_
#define MINIVAULT_DEV_DEV_CLUSTER_PROC_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "kit/base/result.h"

namespace vk::minivault {

enum class ProcState { kRunning, kZombie, kGone };

// kRunning only for a live process whose argv holds `--data-dir <data_dir>`:
// a pid recycled by another process is kGone.
ProcState StateOfProcess(pid_t pid, const std::string& data_dir);

// "exited with status N", "was killed by signal N", "stopped".
std::string ExitText(int wait_status);

// Starts `binary args...` as a daemon: its own session, stdin from
// /dev/null, stdout and stderr appended to `log` (created 0600), no other
// descriptors, default signal dispositions and mask.
Result<pid_t> SpawnDaemon(const std::string& binary,
                          const std::vector<std::string>& args,
                          const std::string& log);

}  // namespace vk::minivault

#endif  // MINIVAULT_DEV_DEV_CLUSTER_PROC_H_
