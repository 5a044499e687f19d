// UnsealNode against a scripted Vault node that keeps unseal progress as
// Vault does: shares accumulate until the threshold, are then combined and
// cleared whether or not they were right.
#include "vaultkeep/ops/unseal.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "vaultkeep/testing/fake_vault.h"

namespace vk::ops {
namespace {

using nlohmann::json;
using vault::testing::FakeVault;

class SealedNode {
 public:
  SealedNode(int threshold, std::set<std::string> good)
      : t_(threshold), good_(std::move(good)) {
    v_.On("sys/seal-status", [this](httpd::Request&, httpd::ResponseWriter& w) {
      std::lock_guard l(mu_);
      w.Send(200, Status().dump());
    });
    v_.On("sys/unseal", [this](httpd::Request&, httpd::ResponseWriter& w) {
      // FakeVault has read the (small) body already.
      json body = json::parse(v_.seen("sys/unseal").body, nullptr, false);
      if (!body.is_object()) return w.Send(400, R"({"errors":["bad json"]})");
      std::lock_guard l(mu_);
      if (body.value("reset", false)) {
        parts_.clear();
        return w.Send(200, Status().dump());
      }
      std::string key = body.value("key", "");
      ++submitted_;
      if (key.starts_with("junk")) {
        return w.Send(400, R"({"errors":["'key' must be a valid hex or )"
                           R"(base64 string"]})");
      }
      parts_.insert(key);
      if (static_cast<int>(parts_.size()) < t_)
        return w.Send(200, Status().dump());
      bool right = true;
      for (const std::string& p : parts_) right &= good_.count(p) > 0;
      parts_.clear();
      if (!right)
        return w.Send(400, R"({"errors":["Unseal failed, invalid key"]})");
      sealed_ = false;
      w.Send(200, Status().dump());
    });
  }
  std::string addr() const { return v_.addr(); }
  bool sealed() {
    std::lock_guard l(mu_);
    return sealed_;
  }
  int submitted() {
    std::lock_guard l(mu_);
    return submitted_;
  }

 private:
  json Status() const {
    return {{"type", "shamir"},
            {"initialized", true},
            {"sealed", sealed_},
            {"t", t_},
            {"n", 5},
            {"progress", parts_.size()}};
  }
  FakeVault v_;
  std::mutex mu_;
  int t_;
  std::set<std::string> good_;
  std::set<std::string> parts_;
  bool sealed_ = true;
  int submitted_ = 0;
};

vault::ClientOptions Fast() {
  vault::ClientOptions o;
  o.retry = {.attempts = 1};
  return o;
}

std::vector<NamedShare> Keys(const std::vector<std::string>& values) {
  std::vector<NamedShare> out;
  for (size_t i = 0; i < values.size(); ++i)
    out.push_back({"k-" + std::to_string(i), values[i]});
  return out;
}

// Issue 14 item 1: one garbage key first used to end the unseal with the
// node sealed, although four good keys followed.
TEST(UnsealNode, SkipsAMalformedKeyAndNamesIt) {
  SealedNode node(3, {"g1", "g2", "g3", "g4"});
  vault::Client client(Fast(), "");
  UnsealNotes notes;
  auto r = UnsealNode(client, node.addr(),
                      Keys({"junk", "g1", "g2", "g3", "g4"}), &notes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, NodeUnseal::kUnsealed);
  EXPECT_FALSE(node.sealed());
  EXPECT_EQ(notes.bad, std::vector<std::string>{"k-0"});
}

// A share of another cluster makes Vault combine a wrong key and clear
// the progress; the next combination without it succeeds.
TEST(UnsealNode, TriesAnotherCombinationAfterAWrongOne) {
  SealedNode node(3, {"g1", "g2", "g3", "g4"});
  vault::Client client(Fast(), "");
  UnsealNotes notes;
  auto r = UnsealNode(client, node.addr(),
                      Keys({"g1", "foreign", "g2", "g3", "g4"}), &notes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(node.sealed());
  EXPECT_LE(node.submitted(), 3 * 4);
}

TEST(UnsealNode, ProvenOrderNeedsOneRound) {
  SealedNode node(3, {"g1", "g2", "g3"});
  vault::Client client(Fast(), "");
  UnsealNotes notes;
  ASSERT_TRUE(
      UnsealNode(client, node.addr(), Keys({"g1", "g2", "g3"}), &notes).ok());
  EXPECT_EQ(node.submitted(), 3);
}

TEST(UnsealNode, KeysOfAnotherClusterFail) {
  SealedNode node(3, {"g1", "g2", "g3"});
  vault::Client client(Fast(), "");
  UnsealNotes notes;
  auto r =
      UnsealNode(client, node.addr(), Keys({"x1", "x2", "x3", "x4"}), &notes);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("still sealed"), std::string::npos);
  EXPECT_TRUE(node.sealed());
}

TEST(UnsealNode, UnreachableIsPending) {
  vault::Client client(Fast(), "");
  UnsealNotes notes;
  auto r =
      UnsealNode(client, vault::testing::UnusedAddr(), Keys({"g1"}), &notes);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, NodeUnseal::kPending);
}

}  // namespace
}  // namespace vk::ops
