#include "vaultkeep/s3/xml.h"

#include <gtest/gtest.h>

namespace vk::s3 {
namespace {

TEST(XmlTest, ListPage) {
  auto page = ParseListPage(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix>p/data/</Prefix><KeyCount>2</KeyCount>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok&amp;en</NextContinuationToken>
  <Contents><Key>p/data/ab/ab01</Key><Size>123</Size><ETag>"x"</ETag></Contents>
  <Contents><Key>p/data/a&lt;b</Key><Size>0</Size></Contents>
</ListBucketResult>)");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/data/ab/ab01");
  EXPECT_EQ(page->objects[0].size, 123u);
  EXPECT_EQ(page->objects[1].key, "p/data/a<b");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "tok&en");

  auto last = ParseListPage(
      "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->objects.empty());
  EXPECT_FALSE(last->truncated);
}

TEST(XmlTest, ListPageRejectsGarbage) {
  for (const char* bad :
       {"", "<html>502 Bad Gateway</html>", "<ListBucketResult><Contents>"
        "<Key>k</Key><Size>12x</Size></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"})
    EXPECT_EQ(ParseListPage(bad).status().code(), StatusCode::kCorruption)
        << bad;
}

TEST(XmlTest, ErrorAndUpload) {
  ErrorDoc e = ParseError(
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
      "<Message>The specified key does not exist.</Message></Error>");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "The specified key does not exist.");
  EXPECT_EQ(ParseError("").code, "");
  EXPECT_EQ(ParseError("<Other/>").code, "");
  auto id = ParseUploadId(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
      "<UploadId>abc123</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "abc123");
  EXPECT_FALSE(ParseUploadId("<Error/>").ok());
  EXPECT_EQ(CompleteMultipartBody({"\"e1\"", "e<2"}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"
            "&quot;e1&quot;</ETag></Part><Part><PartNumber>2</PartNumber>"
            "<ETag>e&lt;2</ETag></Part></CompleteMultipartUpload>");
}

}  // namespace
}  // namespace vk::s3
