// The S3 storage driver: an s3: repository string plus the extended
// options (-o key=value, restic's names) and TLS flags become the S3
// client's settings. Options:
//   s3.region=R            (default $AWS_DEFAULT_REGION, $AWS_REGION,
//   us-east-1) s3.bucket-lookup=auto|dns|path s3.connections=N       (parallel
//   requests, default 5) s3.part-size=BYTES     (multipart part size, default
//   16 MiB, >= 5 MiB) s3.multipart-threshold=BYTES  (default 64 MiB)
//   s3.stall-timeout=SECONDS      (abort a transfer idle that long, default 60)
// Credentials come from the environment or the shared credentials file
// (vaultkeep/s3/credentials.h), never from flags.
#ifndef VAULTKEEP_S3_OPTIONS_H_
#define VAULTKEEP_S3_OPTIONS_H_

#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/s3/s3_client.h"
#include "vaultkeep/storage/driver.h"

namespace vk::s3 {

// The S3 driver's settings for `url` under `o` (-o options, TLS flags) and
// the credentials from the environment.
Result<S3Options> S3OptionsFor(const std::string& url,
                               const storage::DriverOptions& o);

// The driver vaultkeep/access/drivers.cc registers for "s3:" locations.
storage::Driver S3Driver();

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_OPTIONS_H_
