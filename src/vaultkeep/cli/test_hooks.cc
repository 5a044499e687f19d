#include "vaultkeep/cli/test_hooks.h"

#include <signal.h>
#include <unistd.h>

#include <string>

#include "kit/base/strings.h"

namespace vk::cli {
namespace {

const std::string& Target() {
  static const std::string target = Getenv("VAULTKEEP_TEST_KILL_AT");
  return target;
}

[[noreturn]] void Die() {
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

}  // namespace

void KillPoint(std::string_view point) {
  if (!Target().empty() && Target() == point) Die();
}

void KillAfterBytes(std::string_view stage, uint64_t bytes) {
  const std::string& t = Target();
  std::string prefix = std::string(stage) + "-bytes:";
  if (t.empty() || !t.starts_with(prefix)) return;
  std::optional<uint64_t> n =
      ParseUint64(std::string_view(t).substr(prefix.size()));
  if (n && bytes >= *n) Die();
}

}  // namespace vk::cli
