#include "kit/compress/zstd.h"

#include <gtest/gtest.h>
#include <zstd.h>

namespace vk {
namespace {

TEST(ZstdTest, RoundTripAndLimits) {
  std::string data(200000, 'a');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  std::string z = ZstdCompress(AsBytes(data));
  EXPECT_LT(z.size(), data.size());
  auto back = ZstdDecompress(AsBytes(z), data.size());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, data);
  EXPECT_EQ(ZstdDecompress(AsBytes(z), data.size() - 1).status().code(),
            StatusCode::kCorruption);
  EXPECT_FALSE(
      ZstdDecompress(AsBytes(z.substr(0, z.size() - 3)), 1 << 20).ok());
  EXPECT_FALSE(ZstdDecompress(AsBytes(z + "x"), 1 << 20).ok());
  EXPECT_FALSE(ZstdDecompress(AsBytes("not zstd"), 1 << 20).ok());
  auto empty = ZstdDecompress(AsBytes(ZstdCompress(ByteSpan())), 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(ZstdTest, FrameWithoutContentSize) {
  // restic's snapshot files carry frames with an unknown content size.
  std::string data(100000, 'q');
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{data.data(), data.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(c);
  out.resize(ob.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(out.data(), out.size()),
            ZSTD_CONTENTSIZE_UNKNOWN);
  auto back = ZstdDecompress(AsBytes(out), 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

}  // namespace
}  // namespace vk
