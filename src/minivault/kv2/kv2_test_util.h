// The fixture of the KV v2 engine tests: an in-memory logical::Storage with
// Vault's List semantics (and injected failures) and an engine on a
// settable clock, and the names the tests use. Test-only.
#ifndef MINIVAULT_KV2_KV2_TEST_UTIL_H_
#define MINIVAULT_KV2_KV2_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "kit/base/time.h"
#include "minivault/kv2/kv2.h"

namespace vk::kv2 {

using logical::Operation;
using logical::Request;
using logical::Response;
using Json = nlohmann::json;
using std::chrono::seconds;

// A std::map with Vault's physical List semantics.
class MemStorage : public logical::Storage {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    if (fail) return IOError("injected get failure");
    auto it = kv.find(std::string(key));
    if (it == kv.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status Put(std::string_view key, std::string_view value) override {
    if (fail) return IOError("injected put failure");
    kv[std::string(key)] = std::string(value);
    return Status::Ok();
  }
  Status Delete(std::string_view key) override {
    if (fail) return IOError("injected delete failure");
    kv.erase(std::string(key));
    return Status::Ok();
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    if (fail) return IOError("injected list failure");
    std::set<std::string> names;
    for (const auto& [k, v] : kv) {
      if (!std::string_view(k).starts_with(prefix)) continue;
      std::string rest = k.substr(prefix.size());
      size_t slash = rest.find('/');
      names.insert(slash == std::string::npos ? rest
                                              : rest.substr(0, slash + 1));
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

  std::map<std::string, std::string> kv;
  bool fail = false;
};

// 2026-11-28T10:00:00.123456789Z
inline TimePoint T0() {
  return *ParseRfc3339("2026-11-28T10:00:00.123456789Z");
}

class Kv2Test : public ::testing::Test {
 protected:
  Kv2Test() : now_(T0()), engine_(&store_, [this] { return now_; }) {}

  Response Do(Operation op, std::string path, Json body = Json::object(),
              std::map<std::string, std::string> query = {}) {
    Request r;
    r.op = op;
    r.path = std::move(path);
    r.data = std::move(body);
    r.query = std::move(query);
    return engine_.Handle(r);
  }
  Response Put(const std::string& name, Json data, Json options = nullptr) {
    Json body = {{"data", std::move(data)}};
    if (!options.is_null()) body["options"] = std::move(options);
    return Do(Operation::kUpdate, "data/" + name, std::move(body));
  }
  Response Get(const std::string& name, int version = -1) {
    std::map<std::string, std::string> q;
    if (version >= 0) q["version"] = std::to_string(version);
    return Do(Operation::kRead, "data/" + name, Json::object(), q);
  }
  Json Meta(const std::string& name) {
    Response r = Do(Operation::kRead, "metadata/" + name);
    EXPECT_EQ(r.status, 200);
    return r.data;
  }
  void Advance(seconds s) { now_ += s; }
  std::string Now() const { return FormatRfc3339(now_); }

  // Expects a 400 whose single error is `message` and no stored change.
  void ExpectRejected(Operation op, const std::string& path, const Json& body,
                      const std::string& message) {
    auto before = store_.kv;
    Response r = Do(op, path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body.dump();
    EXPECT_EQ(r.errors, std::vector<std::string>{message})
        << path << " " << body.dump();
    EXPECT_TRUE(r.data.is_null());
    EXPECT_EQ(store_.kv, before) << path << " " << body.dump();
  }

  MemStorage store_;
  TimePoint now_;
  Engine engine_;
};

}  // namespace vk::kv2

#endif  // MINIVAULT_KV2_KV2_TEST_UTIL_H_
