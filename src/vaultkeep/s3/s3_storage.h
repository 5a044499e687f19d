// The S3 driver of the Storage interface (vaultkeep/storage/storage.h), for AWS
// S3 and compatible stores (MinIO, Ceph RGW, GCS interoperability, s3rver).
//
// How the Storage contract maps onto S3 (docs/s3.md has the reasons):
//  - Put: one PUT, or a multipart upload from multipart_threshold on, with
//    the parts sent in parallel. The body's SHA-256 is signed, so the
//    server rejects a body damaged on the way. A multipart upload that
//    fails is aborted, so no parts linger. Without overwrite, Put first
//    checks that the key is free and sends If-None-Match: *, which AWS S3
//    and MinIO enforce; on stores that ignore it two racing creators can
//    both succeed (restic's repository never relies on exclusive creation:
//    its objects are named by their content, and locks are checked by
//    listing). `sync` is moot: S3 acknowledges a PUT once it is durable.
//  - Get: a ranged GET; an interrupted body resumes from where it stopped
//    (If-Match on the first ETag), so a reset costs only what was lost.
//  - Remove: kNotFound when the key does not exist (checked with HEAD,
//    since DELETE of a missing key succeeds on S3).
#ifndef VAULTKEEP_S3_S3_STORAGE_H_
#define VAULTKEEP_S3_S3_STORAGE_H_

#include <memory>

#include "kit/base/result.h"
#include "vaultkeep/s3/s3_client.h"
#include "vaultkeep/storage/storage.h"

namespace vk::s3 {

// Checks that the bucket exists and that the credentials may use it (one
// HEAD of the bucket), creating the bucket when it is missing and
// `create_bucket` is set (vaultkeep init, as restic init does). Failures
// are reported before anything is written: a missing bucket, refused
// credentials, the wrong region.
Result<std::unique_ptr<storage::Storage>> OpenS3Storage(S3Options o,
                                                        bool create_bucket);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_S3_STORAGE_H_
