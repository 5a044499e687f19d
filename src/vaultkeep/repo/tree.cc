#include "vaultkeep/repo/tree.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>

#include "kit/base/time.h"
#include "vaultkeep/repo/json_fields.h"

namespace vk::repo {
namespace {

using json_fields::Json;
using json_fields::ParseId;
using json_fields::String;
using json_fields::Unsigned;

// Keys the Node struct models.
constexpr std::string_view kModeled[] = {
    "name", "type",  "mode",       "mtime",   "atime",  "ctime",
    "uid",  "gid",   "user",       "group",   "inode",  "device_id",
    "size", "links", "linktarget", "content", "subtree"};
// restic node fields we carry in Node::extra, by where restic writes them.
constexpr std::string_view kExtrasBeforeContent[] = {
    "linktarget_raw", "extended_attributes", "generic_attributes", "device"};
constexpr std::string_view kExtrasAfterSubtree[] = {"error"};

template <size_t N>
bool In(std::string_view key, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), key) != std::end(list);
}

Status Bad(const std::string& why) { return Corruption("tree blob: " + why); }

void Key(std::string_view key, std::string* out) {
  out->push_back(',');
  AppendGoJsonString(key, out);
  out->push_back(':');
}

void Uint(std::string_view key, uint64_t v, bool omit_zero, std::string* out) {
  if (omit_zero && v == 0) return;
  Key(key, out);
  *out += std::to_string(v);
}

void Str(std::string_view key, const std::string& v, bool omit_empty,
         std::string* out) {
  if (omit_empty && v.empty()) return;
  Key(key, out);
  AppendGoJsonString(v, out);
}

void Extras(const Json& extra, std::initializer_list<std::string_view> only,
            bool rest, std::string* out) {
  if (!extra.is_object()) return;
  for (const auto& [key, value] : extra.items()) {
    bool listed = std::find(only.begin(), only.end(), key) != only.end();
    bool known = In(key, kModeled) || In(key, kExtrasBeforeContent) ||
                 In(key, kExtrasAfterSubtree);
    if (listed || (rest && !known)) {
      Key(key, out);
      AppendGoJson(value, out);
    }
  }
}

void EncodeNode(const Node& n, std::string* out) {
  *out += "{\"name\":";
  AppendGoJsonString(GoQuote(n.name), out);
  Str("type", n.type, false, out);
  Uint("mode", n.mode, true, out);
  auto time = [](const std::string& t) {
    return t.empty() ? std::string(kGoZeroTime) : t;
  };
  Str("mtime", time(n.mtime), false, out);
  Str("atime", time(n.atime), false, out);
  Str("ctime", time(n.ctime), false, out);
  Uint("uid", n.uid, false, out);
  Uint("gid", n.gid, false, out);
  Str("user", n.user, true, out);
  Str("group", n.group, true, out);
  Uint("inode", n.inode, true, out);
  Uint("device_id", n.device_id, true, out);
  Uint("size", n.size, true, out);
  Uint("links", n.links, true, out);
  Str("linktarget", n.linktarget, true, out);
  for (std::string_view k : kExtrasBeforeContent)
    Extras(n.extra, {k}, false, out);
  Key("content", out);
  if (!n.content) {
    *out += "null";
  } else {
    out->push_back('[');
    for (size_t i = 0; i < n.content->size(); ++i) {
      if (i != 0) out->push_back(',');
      AppendGoJsonString(HexEncode((*n.content)[i]), out);
    }
    out->push_back(']');
  }
  if (n.subtree) Str("subtree", HexEncode(*n.subtree), false, out);
  Extras(n.extra, {kExtrasAfterSubtree[0]}, false, out);
  Extras(n.extra, {}, true, out);
  out->push_back('}');
}

Result<Node> DecodeNode(const Json& j, size_t index) {
  const std::string where = "node " + std::to_string(index);
  if (!j.is_object()) return Bad(where + " is not an object");
  Node n;
  std::string quoted;
  if (!j.contains("name") || !String(j, "name", &quoted)) {
    return Bad(where + " has no name");
  }
  auto name = GoUnquote(quoted);
  if (!name.ok()) return Bad(where + ": " + name.status().message());
  n.name = std::move(*name);
  const std::string what = "node \"" + GoQuote(n.name) + "\"";
  if (!j.contains("type") || !String(j, "type", &n.type) || n.type.empty()) {
    return Bad(what + " has no type");
  }
  if (!Unsigned(j, "mode", &n.mode) || !Unsigned(j, "uid", &n.uid) ||
      !Unsigned(j, "gid", &n.gid) || !Unsigned(j, "inode", &n.inode) ||
      !Unsigned(j, "device_id", &n.device_id) ||
      !Unsigned(j, "size", &n.size) || !Unsigned(j, "links", &n.links)) {
    return Bad(what + " has a number field that is not an unsigned integer");
  }
  if (!String(j, "user", &n.user) || !String(j, "group", &n.group) ||
      !String(j, "linktarget", &n.linktarget)) {
    return Bad(what + " has a user, group or linktarget that is no string");
  }
  for (auto [key, field] :
       {std::pair{"mtime", &n.mtime}, std::pair{"atime", &n.atime},
        std::pair{"ctime", &n.ctime}}) {
    if (!String(j, key, field) ||
        (j.contains(key) && !ParseRfc3339(*field).ok())) {
      return Bad(what + " has an invalid " + key);
    }
  }
  if (auto it = j.find("content"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Bad(what + " has a content that is no list");
    n.content.emplace();
    for (const Json& id : *it) {
      if (!ParseId(id, &n.content->emplace_back())) {
        return Bad(what + " has a content ID that is not 64 hex digits");
      }
    }
  }
  if (auto it = j.find("subtree"); it != j.end() && !it->is_null()) {
    if (!ParseId(*it, &n.subtree.emplace())) {
      return Bad(what + " has a subtree ID that is not 64 hex digits");
    }
  }
  for (const auto& [key, value] : j.items()) {
    if (!In(key, kModeled)) n.extra[key] = value;
  }
  return n;
}

}  // namespace

Node FileNode(std::string name, uint64_t size,
              std::vector<Sha256Digest> content_ids, uint32_t mode,
              std::string mtime) {
  Node n;
  n.name = std::move(name);
  n.type = "file";
  n.mode = mode;
  n.atime = n.ctime = mtime;
  n.mtime = std::move(mtime);
  n.size = size;
  n.content = std::move(content_ids);
  return n;
}

Node DirNode(std::string name, const Sha256Digest& subtree, uint32_t mode,
             std::string mtime) {
  Node n;
  n.name = std::move(name);
  n.type = "dir";
  n.mode = kGoModeDir | mode;
  n.atime = n.ctime = mtime;
  n.mtime = std::move(mtime);
  n.subtree = subtree;
  return n;
}

Status SortAndCheckNodes(std::vector<Node>& nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const Node& a, const Node& b) { return a.name < b.name; });
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i - 1].name == nodes[i].name) {
      return InvalidArgument("two tree nodes are named \"" +
                             GoQuote(nodes[i].name) + "\"");
    }
  }
  return Status::Ok();
}

std::string EncodeTree(const std::vector<Node>& nodes) {
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (i != 0) out.push_back(',');
    EncodeNode(nodes[i], &out);
  }
  out += "]}\n";
  return out;
}

Result<std::vector<Node>> DecodeTree(std::string_view text) try {
  // Parse errors come back as a discarded value; the catch below is a guard.
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Bad("not a JSON object");
  auto it = j.find("nodes");
  if (it == j.end()) return Bad("no nodes list");
  std::vector<Node> nodes;
  if (it->is_null()) return nodes;
  if (!it->is_array()) return Bad("nodes is not a list");
  nodes.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    VK_ASSIGN_OR_RETURN(Node n, DecodeNode((*it)[i], i));
    if (!nodes.empty() && !(nodes.back().name < n.name)) {
      return Bad("nodes are not strictly ordered by name (\"" +
                 GoQuote(nodes.back().name) + "\" before \"" + GoQuote(n.name) +
                 "\")");
    }
    nodes.push_back(std::move(n));
  }
  return nodes;
} catch (const nlohmann::json::exception& e) {
  return Bad(e.what());
}

}  // namespace vk::repo
