// VK_CHECK: an always-on assertion for invariants whose violation would
// corrupt data or mean a bug (never for bad input: that gets a Status).
#ifndef KIT_BASE_CHECK_H_
#define KIT_BASE_CHECK_H_

namespace vk::internal {
[[noreturn]] void CheckFailed(const char* expr, const char* file, int line);
}  // namespace vk::internal

#define VK_CHECK(cond)                                                   \
  do {                                                                   \
    if (!(cond)) ::vk::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

#endif  // KIT_BASE_CHECK_H_
