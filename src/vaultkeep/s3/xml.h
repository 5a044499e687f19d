// The few S3 XML documents the driver reads and writes, over pugixml.
// Element names are matched without their namespace, since compatible
// servers differ in whether they send xmlns.
#ifndef VAULTKEEP_S3_XML_H_
#define VAULTKEEP_S3_XML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::s3 {

struct ListedObject {
  std::string key;
  uint64_t size = 0;
};

// A ListObjectsV2 result page.
struct ListPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};

// kCorruption when the document is not a ListBucketResult.
Result<ListPage> ParseListPage(std::string_view xml);

// An <Error> document's Code and Message; both empty when `xml` is not one
// (HEAD responses and some proxies send no body).
struct ErrorDoc {
  std::string code;
  std::string message;
};
ErrorDoc ParseError(std::string_view xml);

// UploadId from an InitiateMultipartUploadResult.
Result<std::string> ParseUploadId(std::string_view xml);

// The CompleteMultipartUpload body for parts 1..n with these ETags.
std::string CompleteMultipartBody(const std::vector<std::string>& etags);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_XML_H_
