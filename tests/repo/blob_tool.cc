// Test harness for the repository's blob layer (not installed, not a user
// command): lets tests/repo/restic_interop_test.py write blobs with
// vaultkeep and have restic read them, and read every blob of a repository
// that restic wrote.
//
//   blob_tool REPO write [--pack-size BYTES] FILE...   one data blob per file
//   blob_tool REPO read-all                            load + verify every blob
//   blob_tool REPO hold-lock [--exclusive]             lock until stdin closes
//
// The password comes from VAULTKEEP_PASSWORD.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vaultkeep/repo/lock.h"
#include "vaultkeep/repo/repository.h"

namespace {

int Fail(const vk::Status& s) {
  std::fprintf(stderr, "blob_tool: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: blob_tool REPO write|read-all ...\n");
    return 2;
  }
  const char* pw = std::getenv("VAULTKEEP_PASSWORD");
  auto repo = vk::repo::Repository::Open(vk::storage::NewLocalStorage(argv[1]),
                                         pw ? pw : "");
  if (!repo.ok()) return Fail(repo.status());
  if (vk::Status s = (*repo)->LoadIndex(); !s.ok()) return Fail(s);
  std::string cmd = argv[2];
  if (cmd == "write") {
    int i = 3;
    if (i + 1 < argc && std::string(argv[i]) == "--pack-size") {
      (*repo)->set_pack_size_for_test(std::stoul(argv[i + 1]));
      i += 2;
    }
    for (; i < argc; ++i) {
      std::ifstream in(argv[i], std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string data = ss.str();
      // Alternate compressed and raw blobs: restic must read both kinds.
      auto stored = (*repo)->SaveBlob(vk::repo::BlobType::kData,
                                      vk::AsBytes(data), i % 2 == 0);
      if (!stored.ok()) return Fail(stored.status());
    }
    auto index = (*repo)->Flush();
    if (!index.ok()) return Fail(index.status());
    std::printf("index %s\n", index->c_str());
    return 0;
  }
  if (cmd == "read-all") {
    size_t n = 0, bytes = 0;
    for (const auto& e : (*repo)->index().Entries()) {
      auto blob = (*repo)->LoadBlob(e.blob.type, e.blob.id);
      if (!blob.ok()) return Fail(blob.status());
      ++n;
      bytes += blob->size();
    }
    std::printf("read %zu blobs, %zu bytes\n", n, bytes);
    return 0;
  }
  if (cmd == "hold-lock") {
    bool exclusive = argc > 3 && std::string(argv[3]) == "--exclusive";
    auto lock = vk::repo::RepoLock::Acquire(**repo, exclusive,
                                            vk::repo::SystemLockEnv());
    if (!lock.ok()) return Fail(lock.status());
    std::printf("locked %s\n", (*lock)->id().c_str());
    std::fflush(stdout);
    while (std::getchar() != EOF) {
    }
    if (vk::Status s = (*lock)->Release(); !s.ok()) return Fail(s);
    return 0;
  }
  std::fprintf(stderr, "blob_tool: unknown command %s\n", cmd.c_str());
  return 2;
}
