// Small string helpers shared across modules.
#ifndef VAULTKEEP_BASE_STRINGS_H_
#define VAULTKEEP_BASE_STRINGS_H_

#include <string>
#include <string_view>

namespace vk {

// Quotes a name from untrusted input for an error message, like Go's %q
// for ASCII: "..." with \" and \\ escaped and any control or non-ASCII byte
// as \xNN, so a hostile name cannot forge or hide message text.
std::string Quote(std::string_view s);

}  // namespace vk

#endif  // VAULTKEEP_BASE_STRINGS_H_
