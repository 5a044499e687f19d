// BlobPipeline: contents in submission order whatever the workers' order,
// each distinct chunk stored once, compression only where it pays, and a
// store failure reported.
#include "vaultkeep/backup/blob_pipeline.h"

#include <gtest/gtest.h>

#include "kit/crypto/sha256.h"
#include "kit/testing/pseudo_random.h"
#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

class BlobPipelineTest : public testing::MemRepoTest {
 protected:
  // Runs `chunks` through a pipeline; returns the content list.
  std::vector<Sha256Digest> Store(const std::vector<std::string>& chunks,
                                  PipelineStats* stats = nullptr) {
    std::vector<Sha256Digest> content;
    BlobPipeline pipeline(repo_.get(), 3, true, 64 << 10);
    for (const std::string& c : chunks) {
      EXPECT_TRUE(pipeline.Submit(c, &content).ok());
    }
    EXPECT_TRUE(pipeline.Drain().ok());
    if (stats) *stats = pipeline.stats();
    return content;
  }
};

TEST_F(BlobPipelineTest, ContentIsInSubmissionOrderAndEachChunkStoredOnce) {
  std::vector<std::string> chunks;
  for (int i = 0; i < 200; ++i)
    chunks.push_back(PseudoRandom(3000, 2 * (i % 150) + 1));
  PipelineStats stats;
  std::vector<Sha256Digest> content = Store(chunks, &stats);
  ASSERT_EQ(content.size(), chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(content[i], Sha256::Of(AsBytes(chunks[i]))) << i;
  }
  EXPECT_EQ(stats.chunks, 200u);
  EXPECT_EQ(stats.new_chunks, 150u);       // 50 repeats
  EXPECT_EQ(stats.compressed_chunks, 0u);  // random bytes do not shrink
  ASSERT_TRUE(repo_->Flush().ok());
  EXPECT_EQ(repo_->index().size(), 150u);
  auto back = repo_->LoadBlob(repo::BlobType::kData, content[7]);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, chunks[7]);

  // Known chunks cost no new blob the second time.
  Store(chunks, &stats);
  EXPECT_EQ(stats.new_chunks, 0u);
  EXPECT_EQ(stats.stored_bytes, 0u);
}

TEST_F(BlobPipelineTest, CompressesWhatShrinks) {
  PipelineStats stats;
  Store({std::string(5000, 'a'), std::string(5000, 'b')}, &stats);
  EXPECT_EQ(stats.compressed_chunks, 2u);
  EXPECT_LT(stats.stored_bytes, stats.new_bytes);
}

TEST_F(BlobPipelineTest, AFailedPackPutIsReported) {
  testing::FailingPutStorage failing(*mem_, {.prefix = "data/"});
  auto repo = testing::OpenRepo(failing);
  ASSERT_TRUE(repo.ok());
  std::vector<Sha256Digest> content;
  Status st;
  {
    BlobPipeline pipeline(repo->get(), 2, false);
    for (int i = 0; i < 20 && st.ok(); ++i) {
      st = pipeline.Submit(PseudoRandom(4000, 2 * i + 1), &content);
    }
    if (st.ok()) st = pipeline.Drain();
  }
  if (st.ok()) st = (*repo)->Flush().status();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_GE(failing.hits(), 1);
}

}  // namespace
}  // namespace vk::backup
