// Which side failed: a Status from a repository's storage carries
// storage::Failure, so that a caller whose work spans Vault and a
// repository (a live backup, the agent's failure reasons) tells "the
// destination broke" from "the source broke" by type, not by message text.
#ifndef VAULTKEEP_STORAGE_FAILURE_TAG_H_
#define VAULTKEEP_STORAGE_FAILURE_TAG_H_

#include <memory>
#include <string>

#include "kit/base/status.h"
#include "vaultkeep/storage/storage.h"

namespace vk::storage {

// Attached to every error of a storage wrapped by TagFailures.
// A Status holds one detail: the driver's own (an S3 transport failure,
// say) moves into `cause`.
struct Failure : StatusDetail {
  Failure(std::string l, std::shared_ptr<const StatusDetail> c)
      : location(std::move(l)), cause(std::move(c)) {}
  std::string location;  // Properties::location: never a secret
  std::shared_ptr<const StatusDetail> cause;  // may be null
};

// Wraps `inner` so that each of its errors carries Failure (kept by
// WithContext as the error travels up). Results and data pass unchanged;
// an error that already carries a Failure keeps it.
std::unique_ptr<Storage> TagFailures(std::unique_ptr<Storage> inner);

}  // namespace vk::storage

#endif  // VAULTKEEP_STORAGE_FAILURE_TAG_H_
