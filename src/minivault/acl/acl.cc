#include "minivault/acl/acl.h"

#include <map>
#include <utility>

namespace vk::acl {
namespace {

std::vector<std::string_view> SplitSegments(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

// Combines the same pattern's capabilities from two policies.
uint32_t Merge(uint32_t a, uint32_t b) {
  if ((a | b) & kDeny) return kDeny;
  return a | b;
}

}  // namespace

Acl::Acl(const std::vector<Policy>& policies) {
  std::map<std::pair<std::string, bool>, size_t> glob_index;
  for (const Policy& policy : policies) {
    if (policy.name == "root") {
      root_ = true;
      continue;
    }
    for (const PathRule& rule : policy.rules) {
      if (!rule.prefix && !rule.has_segment_wildcard) {
        auto [it, inserted] = exact_.emplace(rule.pattern, rule.capabilities);
        if (!inserted) it->second = Merge(it->second, rule.capabilities);
        continue;
      }
      auto key = std::make_pair(rule.pattern, rule.prefix);
      auto found = glob_index.find(key);
      if (found != glob_index.end()) {
        GlobRule& g = globs_[found->second];
        g.capabilities = Merge(g.capabilities, rule.capabilities);
        continue;
      }
      GlobRule g;
      g.pattern = rule.pattern;
      g.prefix = rule.prefix;
      g.capabilities = rule.capabilities;
      g.first_wildcard = g.pattern.size();  // the stripped '*'
      size_t offset = 0;
      for (std::string_view seg : SplitSegments(g.pattern)) {
        if (seg == "+") {
          if (g.plus_segments == 0) g.first_wildcard = offset;
          ++g.plus_segments;
        }
        g.segments.emplace_back(seg);
        offset += seg.size() + 1;
      }
      glob_index.emplace(std::move(key), globs_.size());
      globs_.push_back(std::move(g));
    }
  }
}

bool Acl::Matches(const GlobRule& rule, std::string_view path,
                  const std::vector<std::string_view>& segments) {
  if (rule.plus_segments == 0) return path.starts_with(rule.pattern);
  size_t n = rule.segments.size();
  if (segments.size() < n || (!rule.prefix && segments.size() != n)) {
    return false;
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string& want = rule.segments[i];
    if (want == "+") {
      if (segments[i].empty()) return false;
    } else if (rule.prefix && i + 1 == n) {
      // The trailing '*' extends the last segment and everything after it.
      if (!segments[i].starts_with(want)) return false;
    } else if (segments[i] != want) {
      return false;
    }
  }
  return true;
}

bool Acl::LowerPriority(const GlobRule& a, const GlobRule& b) {
  if (a.first_wildcard != b.first_wildcard) {
    return a.first_wildcard < b.first_wildcard;
  }
  if (a.prefix != b.prefix) return a.prefix;
  if (a.plus_segments != b.plus_segments) {
    return a.plus_segments > b.plus_segments;
  }
  if (a.pattern.size() != b.pattern.size()) {
    return a.pattern.size() < b.pattern.size();
  }
  return a.pattern < b.pattern;
}

uint32_t Acl::Capabilities(std::string_view path) const {
  if (root_) return kAllCapabilities | kRoot;
  if (auto it = exact_.find(std::string(path)); it != exact_.end()) {
    return it->second;
  }
  std::vector<std::string_view> segments = SplitSegments(path);
  const GlobRule* best = nullptr;
  for (const GlobRule& g : globs_) {
    if (Matches(g, path, segments) && (!best || LowerPriority(*best, g))) {
      best = &g;
    }
  }
  return best ? best->capabilities : 0;
}

bool Acl::Allows(std::string_view path, Capability needed) const {
  uint32_t caps = Capabilities(path);
  if (needed == kDeny || (caps & kDeny)) return false;
  return (caps & needed) != 0;
}

std::vector<std::string> CapabilityNames(uint32_t caps) {
  if (caps & kRoot) return {"root"};
  if ((caps & kDeny) || (caps & kAllCapabilities) == 0) return {"deny"};
  // Alphabetical, as Vault sorts them.
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kOrder[] = {{kCreate, "create"}, {kDelete, "delete"}, {kList, "list"},
                {kPatch, "patch"},   {kRead, "read"},     {kSudo, "sudo"},
                {kUpdate, "update"}};
  std::vector<std::string> names;
  for (const auto& c : kOrder) {
    if (caps & c.bit) names.emplace_back(c.name);
  }
  return names;
}

}  // namespace vk::acl
