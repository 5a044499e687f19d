// For the Store's unit tests only: helpers shared by store_test.cc,
// store_restore_test.cc and store_concurrency_test.cc.
#ifndef MINIVAULT_FSM_STORE_TEST_UTIL_H_
#define MINIVAULT_FSM_STORE_TEST_UTIL_H_

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kit/testing/test_dir.h"
#include "kit/snapshot/records.h"
#include "minivault/fsm/store.h"

namespace vk::fsm {

using Pairs = std::vector<std::pair<std::string, std::string>>;

using vk::testing::MakeTempDir;

inline std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::unique_ptr<Store> OpenStore(const std::string& dir,
                                        size_t map_size = size_t{64} << 30) {
  auto s = Store::Open({.dir = dir, .map_size = map_size});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

inline Command Puts(const Pairs& kv) {
  Command c;
  for (const auto& [k, v] : kv) c.ops.push_back({Op::Kind::kPut, k, v});
  return c;
}

inline std::optional<std::string> GetOr(const Store& s, std::string_view key) {
  auto r = s.Get(key);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

inline std::vector<std::string> ListOr(const Store& s,
                                       std::string_view prefix) {
  auto r = s.List(prefix);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{};
}

inline std::string StateOf(Store::Snapshot& snap) {
  StringSink sink;
  Status st = snap.WriteState(sink);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return sink.data();
}

inline Pairs ParseState(const std::string& state) {
  Pairs out;
  snapshot::RecordScanner sc(
      state.size(), {.keep_values = true}, [&](const snapshot::StateRecord& r) {
        out.emplace_back(std::string(r.key), std::string(AsChars(r.value)));
        return Status::Ok();
      });
  EXPECT_TRUE(sc.Feed(AsBytes(state)).ok());
  EXPECT_TRUE(sc.Finish().ok());
  return out;
}

inline Configuration ConfigOf(std::string id, uint64_t index) {
  Configuration c;
  c.index = index;
  c.servers.push_back({0, id, id + ".local:8201"});
  c.servers.push_back({1, id + "-b", id + "-b.local:8201"});
  return c;
}

// Takes a snapshot of `from` and restores it into `to` in 7-byte pieces.
inline Status RestoreInto(Store& from, Store& to, uint64_t term) {
  auto snap = from.OpenSnapshot();
  VK_RETURN_IF_ERROR(snap.status());
  std::string state = StateOf(**snap);
  auto r = to.BeginRestore(state.size());
  VK_RETURN_IF_ERROR(r.status());
  for (size_t i = 0; i < state.size(); i += 7) {
    VK_RETURN_IF_ERROR(
        (*r)->Feed(AsBytes(std::string_view(state).substr(i, 7))));
  }
  VK_RETURN_IF_ERROR((*r)->Finish());
  return to.CommitRestore(std::move(*r), term, (*snap)->meta().index);
}

}  // namespace vk::fsm

#endif  // MINIVAULT_FSM_STORE_TEST_UTIL_H_
