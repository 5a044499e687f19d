// Where an S3 repository lives, parsed from the repository strings restic
// accepts, so that one string works for both tools:
//   s3:https://host:port/bucket/prefix   (an explicit http:// or https://)
//   s3:host[:port]/bucket/prefix         (https)
//   s3://host/bucket/prefix              (https; restic's older spelling)
//   s3:s3.amazonaws.com/bucket
// The prefix may be empty (the repository is the bucket's root). User info
// in the URL is refused: credentials come from the environment or the
// shared credentials file, never from argv.
#ifndef VAULTKEEP_S3_LOCATION_H_
#define VAULTKEEP_S3_LOCATION_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::s3 {

enum class BucketLookup {
  kAuto,  // virtual-hosted for amazonaws.com and googleapis.com, else path
  kDns,   // bucket.endpoint/key
  kPath,  // endpoint/bucket/key
};

struct Location {
  std::string scheme = "https";  // "http" or "https"
  std::string endpoint;          // host or host:port (default ports dropped)
  std::string bucket;
  std::string prefix;  // no leading or trailing "/"; may be empty

  // "s3:<scheme>://<endpoint>/<bucket>[/<prefix>]", for messages.
  std::string ToString() const;
};

// True when `s` names an S3 repository ("s3:" or "s3://").
bool IsS3Url(std::string_view s);

// kInvalidArgument, saying what is wrong, for anything malformed.
Result<Location> ParseLocation(std::string_view s);

Result<BucketLookup> ParseBucketLookup(std::string_view s);

// Whether requests address the bucket in the path rather than the host.
bool UsesPathStyle(const Location& l, BucketLookup lookup);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_LOCATION_H_
