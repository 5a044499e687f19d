#include "vaultkeep/repo/tree.h"

#include <gtest/gtest.h>

#include "vaultkeep/repo/go_quote.h"

namespace vk::repo {
namespace {

Sha256Digest Id(uint8_t fill) {
  Sha256Digest d;
  d.fill(fill);
  return d;
}

std::string Hex(uint8_t fill) { return HexEncode(Id(fill)); }

constexpr char kT[] = "2026-11-28T05:49:38.508128088Z";

// Captured from restic 0.14.0 on Debian 12 (`restic cat blob <id>`): a
// backup of a directory "src" holding bad<0xff>byte, café.txt, an empty
// file, file.txt (mode 4755), a symlink, a subdir and weird"name<TAB>tab.txt.
// Each constant is the complete blob; its SHA-256 is its restic blob ID.
const std::string kResticSrcTree =
    R"({"nodes":[{"name":"bad\\xffbyte","type":"file","mode":420,"mtime":"2026-11-28T05:49:38.520128088Z","atime":"2026-11-28T05:49:38.520128088Z","ctime":"2026-11-28T05:49:38.520128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067556,"device_id":65024,"size":1,"links":1,"content":["3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"]},)"
    R"({"name":"café.txt","type":"file","mode":420,"mtime":"2026-11-28T05:49:38.516128088Z","atime":"2026-11-28T05:49:38.516128088Z","ctime":"2026-11-28T05:49:38.516128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067555,"device_id":65024,"size":1,"links":1,"content":["0bfe935e70c321c7ca3afc75ce0d0ca2f98b5422e008bb31c00c6d7f1f1c0ad6"]},)"
    R"({"name":"empty","type":"file","mode":420,"mtime":"2026-11-28T05:49:38.508128088Z","atime":"2026-11-28T05:49:38.508128088Z","ctime":"2026-11-28T05:49:38.508128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067551,"device_id":65024,"links":1,"content":[]},)"
    R"({"name":"file.txt","type":"file","mode":8389101,"mtime":"2026-11-28T05:49:38.508128088Z","atime":"2026-11-28T05:49:38.508128088Z","ctime":"2026-11-28T05:49:38.524128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067550,"device_id":65024,"size":12,"links":1,"content":["a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"]},)"
    R"({"name":"link","type":"symlink","mode":134218239,"mtime":"2026-11-28T05:49:38.512128088Z","atime":"2026-11-28T05:49:38.512128088Z","ctime":"2026-11-28T05:49:38.512128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067553,"device_id":65024,"links":1,"linktarget":"file.txt","content":null},)"
    R"({"name":"sub","type":"dir","mode":2147484141,"mtime":"2026-11-28T05:49:38.508128088Z","atime":"2026-11-28T05:49:38.508128088Z","ctime":"2026-11-28T05:49:38.508128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067549,"device_id":65024,"content":null,"subtree":"1054d3646eb23f869a81499b7c1992fb2fe00e27ce63e9242fa0a8a3c0b1c7cb"},)"
    R"({"name":"weird\\\"name\\ttab.txt","type":"file","mode":420,"mtime":"2026-11-28T05:49:38.512128088Z","atime":"2026-11-28T05:49:38.512128088Z","ctime":"2026-11-28T05:49:38.512128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067554,"device_id":65024,"size":1,"links":1,"content":["8e35c2cd3bf6641bdb0e2050b76932cbb2e6034a0ddacc1d9bea82a6ba57f7cf"]}]})"
    "\n";
constexpr char kResticSrcTreeId[] =
    "3eae3e4394ccf5a509ed51328cd351951c13129fa6df0e6a6f905c11b0bf40b3";
// The snapshot's root tree, and "sub" after a fifo was added (2nd backup).
const std::string kResticRootTree =
    R"({"nodes":[{"name":"src","type":"dir","mode":2147484141,"mtime":"2026-11-28T05:49:38.520128088Z","atime":"2026-11-28T05:49:38.520128088Z","ctime":"2026-11-28T05:49:38.520128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067548,"device_id":65024,"content":null,"subtree":"3eae3e4394ccf5a509ed51328cd351951c13129fa6df0e6a6f905c11b0bf40b3"}]})"
    "\n";
constexpr char kResticRootTreeId[] =
    "6d4f4c8ff28787c1f6b0abc32c523931e7bf2f8ee8bab30748f10644b709ecd4";
const std::string kResticSubTree =
    R"({"nodes":[{"name":"inner","type":"file","mode":420,"mtime":"2026-11-28T05:49:38.508128088Z","atime":"2026-11-28T05:49:38.508128088Z","ctime":"2026-11-28T05:49:38.508128088Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067552,"device_id":65024,"size":1,"links":1,"content":["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"]},)"
    R"({"name":"pipe","type":"fifo","mode":33554852,"mtime":"2026-11-28T05:52:12.926755Z","atime":"2026-11-28T05:52:12.926755Z","ctime":"2026-11-28T05:52:12.926755Z","uid":0,"gid":0,"user":"root","group":"root","inode":11067521,"device_id":65024,"content":null}]})"
    "\n";
constexpr char kResticSubTreeId[] =
    "fed99e6da417852abe1a21e3e780ba4e4f6e5abc8ec8b231b8c1ac285e7f91c1";

TEST(GoQuoteTest, QuotesLikeStrconvQuote) {
  EXPECT_EQ(GoQuote("plain.txt"), "plain.txt");
  EXPECT_EQ(GoQuote("weird\"name.txt"), "weird\\\"name.txt");
  EXPECT_EQ(GoQuote("back\\slash"), "back\\\\slash");
  EXPECT_EQ(GoQuote("a\tb\nc\rd"), "a\\tb\\nc\\rd");
  EXPECT_EQ(GoQuote("\a\b\f\v"), "\\a\\b\\f\\v");
  EXPECT_EQ(GoQuote(std::string("\x00\x01\x1f\x7f", 4)),
            "\\x00\\x01\\x1f\\x7f");
  EXPECT_EQ(GoQuote("bad\xff"), "bad\\xff");
  EXPECT_EQ(GoQuote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 <&>'"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 <&>'");
  EXPECT_EQ(GoQuote("\xef\xbf\xbd"), "\xef\xbf\xbd");  // a real U+FFFD
  EXPECT_EQ(GoQuote("\xc2\x85"), "\\u0085");           // C1 control
  EXPECT_EQ(GoQuote("\xc2\xa0\xc2\xad"), "\\u00a0\\u00ad");
  EXPECT_EQ(GoQuote("\xe2\x80\xa8\xe2\x80\xa9"), "\\u2028\\u2029");
  EXPECT_EQ(GoQuote("\xee\x80\x80"), "\\ue000");  // private use
  EXPECT_EQ(GoQuote("\xf3\xb0\x80\x80"), "\\U000f0000");
  // Not UTF-8: surrogates, overlong forms, truncated sequences.
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(GoQuote("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(GoQuote("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(GoQuote("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(GoQuoteTest, UnquotesEveryEscapeKind) {
  auto u = GoUnquote(
      R"(\a\b\f\n\r\t\v\\\"\x41\xff\101\000\377\u00e9\U0001F600é ok)");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(*u, std::string("\a\b\f\n\r\t\v\\\"A\xff"
                            "A\0\xff\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9 ok",
                            25));
  EXPECT_EQ(*GoUnquote("raw\ttab"), "raw\ttab");
  EXPECT_EQ(*GoUnquote("bad\xff"), "bad\xef\xbf\xbd");  // as Go does
  for (const char* bad :
       {"a\"b", "a\nb", "trailing\\", "\\'", "\\q", "\\x4", "\\xzz", "\\400",
        "\\18", "\\ud800", "\\U00110000", "\\u12"}) {
    auto r = GoUnquote(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    }
  }
}

TEST(GoQuoteTest, UnquoteInvertsQuote) {
  std::vector<std::string> cases;
  for (int b = 0; b < 256; ++b) cases.push_back(std::string(1, char(b)));
  uint64_t x = 42;
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    for (int k = 0; k < 12; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      s.push_back(static_cast<char>(x >> 56));
    }
    cases.push_back(s);
  }
  cases.push_back("caf\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\xef\xbf\xbd");
  for (const std::string& s : cases) {
    auto r = GoUnquote(GoQuote(s));
    ASSERT_TRUE(r.ok()) << GoQuote(s);
    EXPECT_EQ(*r, s) << GoQuote(s);
  }
}

TEST(GoQuoteTest, JsonStringsLikeGoEncodingJson) {
  std::string out;
  AppendGoJsonString("a\"b\\c\n\r\t\b\x01<>&\x7f\xe2\x80\xa8\xff\xc3\xa9",
                     &out);
  EXPECT_EQ(out,
            "\"a\\\"b\\\\c\\n\\r\\t\\u0008\\u0001\\u003c\\u003e\\u0026\x7f"
            "\\u2028\\ufffd\xc3\xa9\"");
}

TEST(TreeTest, EncodesFileNodeExactly) {
  Node n = FileNode("file.txt", 12, {Id(0xab), Id(0xcd)}, 0644, kT);
  n.uid = 1000;
  n.gid = 100;
  n.user = "vault";
  n.inode = 7;
  n.links = 1;
  EXPECT_EQ(EncodeTree({n}),
            std::string(R"({"nodes":[{"name":"file.txt","type":"file",)") +
                R"("mode":420,"mtime":")" + kT + R"(","atime":")" + kT +
                R"(","ctime":")" + kT + R"(","uid":1000,"gid":100,)" +
                R"("user":"vault","inode":7,"size":12,"links":1,"content":[")" +
                Hex(0xab) + R"(",")" + Hex(0xcd) + "\"]}]}\n");
}

TEST(TreeTest, EncodesEmptyFileWithEmptyContentList) {
  EXPECT_EQ(EncodeTree({FileNode("empty", 0, {}, 0600, kT)}),
            std::string(R"({"nodes":[{"name":"empty","type":"file",)") +
                R"("mode":384,"mtime":")" + kT + R"(","atime":")" + kT +
                R"(","ctime":")" + kT + R"(","uid":0,"gid":0,)" +
                R"("content":[]}]})" + "\n");
}

TEST(TreeTest, EncodesDirAndSymlinkExactly) {
  EXPECT_EQ(EncodeTree({DirNode("sub", Id(0x11))}),
            std::string(R"({"nodes":[{"name":"sub","type":"dir",)") +
                R"("mode":2147484141,"mtime":"0001-01-01T00:00:00Z",)" +
                R"("atime":"0001-01-01T00:00:00Z",)" +
                R"("ctime":"0001-01-01T00:00:00Z","uid":0,"gid":0,)" +
                R"("content":null,"subtree":")" + Hex(0x11) + "\"}]}\n");
  Node link;
  link.name = "link";
  link.type = "symlink";
  link.mode = kGoModeSymlink | 0777;
  link.mtime = link.atime = link.ctime = kT;
  link.linktarget = "file.txt";
  EXPECT_EQ(EncodeTree({link}),
            std::string(R"({"nodes":[{"name":"link","type":"symlink",)") +
                R"("mode":134218239,"mtime":")" + kT + R"(","atime":")" + kT +
                R"(","ctime":")" + kT + R"(","uid":0,"gid":0,)" +
                R"("linktarget":"file.txt","content":null}]})" + "\n");
  EXPECT_EQ(EncodeTree({}), "{\"nodes\":[]}\n");
}

TEST(TreeTest, QuotesNamesGoStyleInsideJson) {
  std::string out = EncodeTree({FileNode("weird\"name.txt", 0, {})});
  EXPECT_NE(out.find(R"("name":"weird\\\"name.txt")"), std::string::npos);
  out = EncodeTree({FileNode("t\tn\nx\xff<y>", 0, {})});
  EXPECT_NE(out.find(R"("name":"t\\tn\\nx\\xff\u003cy\u003e")"),
            std::string::npos);
}

TEST(TreeTest, RoundTripsNodesAndExtras) {
  Node dir = DirNode("a dir", Id(1), 0700, kT);
  Node file = FileNode("b\xff\x01", 3, {Id(2)}, 0644 | kGoModeSetuid, kT);
  file.extra = nlohmann::ordered_json::parse(
      R"({"zzz":{"k":[1,"<"]},"error":"oops","device":5})");
  Node fifo;
  fifo.name = "c";
  fifo.type = "fifo";
  fifo.mode = kGoModeNamedPipe | 0644;
  std::vector<Node> nodes = {file, fifo, dir};
  ASSERT_TRUE(SortAndCheckNodes(nodes).ok());
  EXPECT_EQ(nodes[0].name, "a dir");
  std::string json = EncodeTree(nodes);
  auto back = DecodeTree(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  fifo.mtime = fifo.atime = fifo.ctime = kGoZeroTime;  // written for unset
  // Decoding keeps extras in the order they were written.
  file.extra = nlohmann::ordered_json::parse(
      R"({"device":5,"error":"oops","zzz":{"k":[1,"<"]}})");
  EXPECT_EQ(*back, (std::vector<Node>{dir, file, fifo}));
  EXPECT_EQ(EncodeTree(*back), json);
  // Known extras go where restic writes them, others last.
  EXPECT_NE(json.find(R"("device":5,"content":[)"), std::string::npos);
  EXPECT_NE(json.find(R"(,"error":"oops","zzz":{"k":[1,"\u003c"]}})"),
            std::string::npos);
}

TEST(TreeTest, KeepsUnmodeledResticFields) {
  const std::string json =
      R"({"nodes":[{"name":"x","type":"symlink","mode":134218239,)"
      R"("mtime":"2024-01-02T03:04:05+01:00","atime":"2024-01-02T03:04:05Z",)"
      R"("ctime":"2024-01-02T03:04:05.5Z","uid":1,"gid":2,)"
      "\"linktarget\":\"\xef\xbf\xbd\","  // U+FFFD, raw as Go writes it
      R"("linktarget_raw":"/w==",)"
      R"("extended_attributes":[{"name":"user.a","value":"AQI="}],)"
      R"("generic_attributes":{"windows.creation_time":"AAAA"},)"
      R"("content":null,"error":"lstat failed","future":true}]})"
      "\n";
  auto nodes = DecodeTree(json);
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  EXPECT_EQ((*nodes)[0].extra.size(), 5u);
  EXPECT_EQ(EncodeTree(*nodes), json);
}

TEST(TreeTest, AcceptsNullNodesAndUnknownTopLevelKeys) {
  auto a = DecodeTree(R"({"nodes":null})");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->empty());
  auto b = DecodeTree(R"({"x":1,"nodes":[{"name":"n","type":"file"}],"y":2})");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE((*b)[0].content.has_value());
}

TEST(TreeTest, RejectsMalformedTrees) {
  auto node = [](const std::string& fields) {
    return R"({"nodes":[{"name":"n","type":"file",)" + fields + "}]}";
  };
  const std::string bad_hex(63, 'a');
  for (const std::string& json : {
           std::string("{\"nodes\":["),
           std::string("[]"),
           std::string("{}"),
           std::string(R"({"nodes":{}})"),
           std::string(R"({"nodes":[1]})"),
           std::string(R"({"nodes":[{"type":"file"}]})"),
           std::string(R"({"nodes":[{"name":"a\"b","type":"file"}]})"),
           std::string(R"({"nodes":[{"name":"a\\q","type":"file"}]})"),
           std::string(R"({"nodes":[{"name":"n"}]})"),
           std::string(R"({"nodes":[{"name":"n","type":7}]})"),
           node(R"("mode":-1)"),
           node(R"("mode":"420")"),
           node(R"("mode":4294967296)"),
           node(R"("uid":1.5)"),
           node(R"("size":-3)"),
           node(R"("user":5)"),
           node(R"("mtime":"yesterday")"),
           node(R"("content":"ab")"),
           node(R"("content":[")" + bad_hex + "\"]"),
           node(R"("content":[")" + std::string(64, 'g') + "\"]"),
           node(R"("subtree":")" + bad_hex + "\""),
           node(R"("subtree":[])"),
           // Unordered, duplicated, and byte order (0xff sorts after 'b').
           std::string(R"({"nodes":[{"name":"b","type":"file"},)"
                       R"({"name":"a","type":"file"}]})"),
           std::string(R"({"nodes":[{"name":"a","type":"file"},)"
                       R"({"name":"a","type":"dir"}]})"),
           std::string(R"({"nodes":[{"name":"\\xff","type":"file"},)"
                       R"({"name":"b","type":"file"}]})"),
       }) {
    auto r = DecodeTree(json);
    EXPECT_FALSE(r.ok()) << json;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << json;
      EXPECT_EQ(r.status().message().rfind("tree blob: ", 0), 0u);
    }
  }
}

TEST(TreeTest, SortAndCheckNodesUsesByteOrderAndRejectsDuplicates) {
  std::vector<Node> nodes = {FileNode("\xff", 0, {}), FileNode("b", 0, {}),
                             FileNode("B", 0, {}), FileNode("a", 0, {})};
  ASSERT_TRUE(SortAndCheckNodes(nodes).ok());
  EXPECT_EQ(nodes[0].name, "B");
  EXPECT_EQ(nodes[3].name, "\xff");
  EXPECT_TRUE(DecodeTree(EncodeTree(nodes)).ok());
  nodes.push_back(FileNode("a", 1, {}));
  Status s = SortAndCheckNodes(nodes);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(TreeTest, HelpersSetModeTypeAndContent) {
  Node f = FileNode("f", 5, {Id(3)});
  EXPECT_EQ(f.type, "file");
  EXPECT_EQ(f.mode, 0644u);
  ASSERT_TRUE(f.content.has_value());
  EXPECT_FALSE(f.subtree.has_value());
  Node d = DirNode("d", Id(4), 0750, kT);
  EXPECT_EQ(d.mode, kGoModeDir | 0750);
  EXPECT_EQ(d.ctime, kT);
  EXPECT_FALSE(d.content.has_value());
  EXPECT_EQ(*d.subtree, Id(4));
}

TEST(TreeTest, DecodesResticTreesAndReencodesThemByteForByte) {
  for (auto [json, id] : {std::pair{&kResticSrcTree, kResticSrcTreeId},
                          std::pair{&kResticRootTree, kResticRootTreeId},
                          std::pair{&kResticSubTree, kResticSubTreeId}}) {
    ASSERT_EQ(HexEncode(Sha256::Of(AsBytes(*json))), id);
    auto nodes = DecodeTree(*json);
    ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
    std::string again = EncodeTree(*nodes);
    EXPECT_EQ(again, *json);
    EXPECT_EQ(HexEncode(Sha256::Of(AsBytes(again))), id);
  }
  std::vector<Node> n = *DecodeTree(kResticSrcTree);
  ASSERT_EQ(n.size(), 7u);
  EXPECT_EQ(n[0].name,
            "bad\xff"
            "byte");
  EXPECT_EQ(n[1].name, "caf\xc3\xa9.txt");
  EXPECT_EQ(n[2].name, "empty");
  EXPECT_EQ(n[2].content, std::vector<Sha256Digest>{});
  EXPECT_EQ(n[2].size, 0u);
  EXPECT_EQ(n[3].mode, kGoModeSetuid | 0755);
  EXPECT_EQ(n[3].size, 12u);
  EXPECT_EQ(n[3].ctime, "2026-11-28T05:49:38.524128088Z");
  EXPECT_EQ(n[4].linktarget, "file.txt");
  EXPECT_EQ(n[4].mode, kGoModeSymlink | 0777);
  EXPECT_FALSE(n[4].content.has_value());
  EXPECT_EQ(n[5].mode, kGoModeDir | 0755);
  EXPECT_EQ(HexEncode(*n[5].subtree),
            "1054d3646eb23f869a81499b7c1992fb2fe00e27ce63e9242fa0a8a3c0b1c7cb");
  EXPECT_EQ(n[6].name, "weird\"name\ttab.txt");
  EXPECT_EQ(n[6].user, "root");
  EXPECT_EQ(n[6].device_id, 65024u);
  EXPECT_TRUE(n[6].extra.is_null());
  EXPECT_EQ((*DecodeTree(kResticSubTree))[1].mode, kGoModeNamedPipe | 0644);
}

}  // namespace
}  // namespace vk::repo
