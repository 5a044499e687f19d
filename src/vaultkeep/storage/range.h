// Helpers shared by drivers: the messages and range arithmetic every driver
// must agree on (the conformance suite compares codes, not texts).
#ifndef VAULTKEEP_STORAGE_RANGE_H_
#define VAULTKEEP_STORAGE_RANGE_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::storage {

inline Status Missing(std::string_view key) {
  return NotFound("object " + std::string(key) + " does not exist");
}
inline Status AlreadyExists(std::string_view key) {
  return FailedPrecondition("object " + std::string(key) + " already exists");
}

// Bytes to deliver for [offset, offset+length) of an object of `size`.
inline Result<uint64_t> RangeLength(std::string_view key, uint64_t size,
                                    uint64_t offset, uint64_t length) {
  if (offset > size || (length != UINT64_MAX && length > size - offset)) {
    return InvalidArgument(
        "range [" + std::to_string(offset) + ", +" +
        (length == UINT64_MAX ? std::string("end") : std::to_string(length)) +
        ") is beyond the end of " + std::string(key) + " (" +
        std::to_string(size) + " bytes)");
  }
  return length == UINT64_MAX ? size - offset : length;
}

}  // namespace vk::storage

#endif  // VAULTKEEP_STORAGE_RANGE_H_
