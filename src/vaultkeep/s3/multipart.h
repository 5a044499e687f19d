// Multipart upload of one object already in memory: initiate, send the
// parts in parallel (at most the client's connection count at once, each
// part retried on its own), complete with the parts' ETags. Any failure
// aborts the upload so that no invisible, billed parts remain; the abort's
// own failure is reported alongside the first error.
#ifndef VAULTKEEP_S3_MULTIPART_H_
#define VAULTKEEP_S3_MULTIPART_H_

#include <string>

#include "kit/base/byte_stream.h"
#include "kit/base/status.h"
#include "vaultkeep/s3/s3_client.h"

namespace vk::s3 {

// `complete_headers` go on the completing request (If-None-Match: * for
// an exclusive create: S3 checks it when the object becomes visible).
Status PutMultipart(S3Client& c, const std::string& key, ByteSpan data,
                    const Headers& complete_headers);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_MULTIPART_H_
