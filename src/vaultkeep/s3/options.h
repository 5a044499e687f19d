// Turns an s3: repository string plus the extended options (-o key=value,
// restic's names) and TLS flags into the S3 driver's settings. Options:
//   s3.region=R            (default $AWS_DEFAULT_REGION, $AWS_REGION, us-east-1)
//   s3.bucket-lookup=auto|dns|path
//   s3.connections=N       (parallel requests, default 5)
//   s3.part-size=BYTES     (multipart part size, default 16 MiB, >= 5 MiB)
//   s3.multipart-threshold=BYTES  (default 64 MiB)
//   s3.stall-timeout=SECONDS      (abort a transfer idle that long, default 60)
// Credentials come from the environment or the shared credentials file
// (vaultkeep/s3/credentials.h), never from flags.
#ifndef VAULTKEEP_CLI_S3_OPTIONS_H_
#define VAULTKEEP_CLI_S3_OPTIONS_H_

#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/s3/s3_client.h"

namespace vk::cli {

struct S3Flags {
  std::vector<std::string> extended;  // "key=value" from -o
  std::string cacert;                 // --cacert FILE
  bool insecure_tls = false;          // --insecure-tls
};

Result<s3::S3Options> S3OptionsFor(const std::string& url, const S3Flags& f);

// Rejects -o options that no backend understands (s3.* on a local
// repository, unknown names), so that a typo is not silently ignored.
Status CheckExtendedOptions(const std::vector<std::string>& extended,
                            bool s3);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_S3_OPTIONS_H_
