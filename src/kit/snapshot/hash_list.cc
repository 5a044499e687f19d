#include "kit/snapshot/hash_list.h"

#include <cstring>

namespace vk::snapshot {

Result<HashList> ParseHashList(std::string_view text) {
  HashList out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    auto bad = [&](std::string_view why) {
      return Corruption("SHA256SUMS line " + std::to_string(line_no) +
                        " is malformed: " + std::string(why));
    };
    if (line.size() < 66) return bad("too short for a digest and a name");
    auto digest = HexDecode(line.substr(0, 64));
    if (!digest.ok()) return bad("the digest is not 64 hex digits");
    size_t pos = 64;
    if (line[pos] != ' ') return bad("the digest is not 64 hex digits");
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::string name(line.substr(pos));
    if (name.empty() || name.find_first_of(" \t\r") != std::string::npos) {
      return bad("expected one file name after the digest");
    }
    Sha256Digest d;
    std::memcpy(d.data(), digest->data(), d.size());
    if (!out.emplace(name, d).second) {
      return Corruption("SHA256SUMS lists \"" + name + "\" twice");
    }
  }
  return out;
}

Status VerifyHashList(const HashList& listed, const HashList& actual,
                      std::string_view list_name) {
  const std::string ln(list_name);
  for (const auto& [name, digest] : listed) {
    auto it = actual.find(name);
    if (it == actual.end()) {
      return Corruption(ln + " lists \"" + name +
                        "\", which is not a file this snapshot format hashes");
    }
    if (it->second != digest) {
      return Corruption(name + " does not match " + ln + ": expected SHA-256 " +
                        HexEncode(digest) + ", found " + HexEncode(it->second));
    }
  }
  for (const auto& [name, digest] : actual) {
    if (!listed.count(name)) {
      return Corruption(ln + " has no line for " + name);
    }
  }
  return Status::Ok();
}

std::string EncodeHashList(const HashList& hashes) {
  std::string out;
  for (const char* name : {"meta.json", "state.bin"}) {
    auto it = hashes.find(name);
    if (it != hashes.end()) out += HexEncode(it->second) + "  " + name + "\n";
  }
  for (const auto& [name, d] : hashes) {
    if (name != "meta.json" && name != "state.bin") {
      out += HexEncode(d) + "  " + name + "\n";
    }
  }
  return out;
}

}  // namespace vk::snapshot
