// A fault-injection seam for the end-to-end tests (in the spirit of
// FoundationDB's BUGGIFY): with VAULTKEEP_TEST_KILL_AT set, the process
// kills itself with SIGKILL the moment it reaches the named point, so a
// test can interrupt a restore at an exact step and check that running it
// again finishes the job. Unset (always, outside tests) these do nothing.
//
// Points: "<step>" after a restore step is reported ("upload", "restore
// applied", "keys migrated", "unsealed"); "unsealed-node:<n>" after the
// n-th node (1-based) was found unsealed; "upload-bytes:<n>" once at least
// n bytes of the upload went out.
#ifndef VAULTKEEP_CLI_TEST_HOOKS_H_
#define VAULTKEEP_CLI_TEST_HOOKS_H_

#include <cstdint>
#include <string_view>

namespace vk::cli {

void KillPoint(std::string_view point);
void KillAfterBytes(std::string_view stage, uint64_t bytes);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_TEST_HOOKS_H_
