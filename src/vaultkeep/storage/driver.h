// Driver: how a repository location string becomes a Storage. One per
// backend (local directory, S3); vaultkeep/access/drivers.cc lists them, so
// a new backend is its own folder plus one line there.
#ifndef VAULTKEEP_STORAGE_DRIVER_H_
#define VAULTKEEP_STORAGE_DRIVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/storage/storage.h"

namespace vk::storage {

// What the user said about a location besides the location itself.
struct DriverOptions {
  std::vector<std::string> extended;  // "key=value" (restic's -o)
  std::string cacert;                 // PEM file to trust for https
  bool insecure_tls = false;          // do not verify the server
};

struct Driver {
  std::string name;  // "local", "s3"
  // True when the driver serves `location` ("s3:...", "local:/x", "/x").
  std::function<bool(std::string_view location)> claims;
  // Checks the location's syntax, the options and any credentials without
  // touching the disk or the network. Options this driver does not know
  // are refused, so a typo is never silently ignored.
  std::function<Status(const std::string& location, const DriverOptions&)>
      check;
  // Opens the location; `create` makes it (a directory, a bucket) when it
  // is missing, otherwise it must exist.
  std::function<Result<std::unique_ptr<Storage>>(
      const std::string& location, const DriverOptions&, bool create)>
      open;
};

// The local directory driver: "local:DIR" or a path. It takes no options.
Driver LocalDriver();

}  // namespace vk::storage

#endif  // VAULTKEEP_STORAGE_DRIVER_H_
