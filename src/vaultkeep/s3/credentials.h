// Where S3 credentials come from, in the order the AWS tools use:
//  1. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN);
//  2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//     ~/.aws/credentials), profile AWS_PROFILE (else "default").
// Instance metadata (IMDS) and web identity are not read: nothing here can
// reach them, and a backup tool should not guess. Messages name the file
// and profile, never a key.
#ifndef VAULTKEEP_S3_CREDENTIALS_H_
#define VAULTKEEP_S3_CREDENTIALS_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "vaultkeep/s3/sigv4.h"

namespace vk::s3 {

Result<Credentials> LoadCredentials();

// The named profile of a shared credentials file's text (INI: [profile]
// sections of key = value lines; "#" and ";" start comments). `file` is for
// messages only.
Result<Credentials> ParseSharedCredentials(std::string_view text,
                                           std::string_view profile,
                                           std::string_view file);

// AWS_DEFAULT_REGION, else AWS_REGION, else "us-east-1".
std::string DefaultRegion();

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_CREDENTIALS_H_
