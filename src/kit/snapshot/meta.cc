#include "kit/snapshot/meta.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"

namespace vk::snapshot {
namespace {

using nlohmann::json;

bool KeyIs(const std::string& key, std::string_view want) {
  return EqualsIgnoreCase(key, want);
}

Status FieldError(std::string_view field, std::string_view want) {
  return Corruption("meta.json field " + std::string(field) + " must be " +
                    std::string(want));
}

Result<uint64_t> AsU64(const json& v, std::string_view field) {
  if (v.is_null()) return uint64_t{0};  // Go leaves the zero value
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(v.get<int64_t>());
  }
  return FieldError(field, "a non-negative integer");
}

Result<int64_t> AsI64(const json& v, std::string_view field) {
  if (v.is_null()) return int64_t{0};
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  return FieldError(field, "an integer");
}

Result<std::string> AsString(const json& v, std::string_view field) {
  if (v.is_null()) return std::string();
  if (!v.is_string()) return FieldError(field, "a string");
  return v.get<std::string>();
}

// Go's encoding/json string encoder with HTML escaping (the default).
void AppendGoString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c == 0xe2 && i + 2 < s.size() &&
               static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      out +=
          static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

Result<std::vector<RaftServer>> ParseServers(const json& arr) {
  std::vector<RaftServer> servers;
  if (!arr.is_array()) {
    return FieldError("Configuration.Servers", "an array or null");
  }
  for (const auto& s : arr) {
    if (!s.is_object()) {
      return FieldError("Configuration.Servers[]", "an object");
    }
    RaftServer rs;
    for (const auto& [k, v] : s.items()) {
      if (KeyIs(k, "Suffrage")) {
        VK_ASSIGN_OR_RETURN(int64_t x,
                            AsI64(v, "Configuration.Servers[].Suffrage"));
        rs.suffrage = static_cast<int>(x);
      } else if (KeyIs(k, "ID")) {
        VK_ASSIGN_OR_RETURN(rs.id, AsString(v, "Configuration.Servers[].ID"));
      } else if (KeyIs(k, "Address")) {
        VK_ASSIGN_OR_RETURN(rs.address,
                            AsString(v, "Configuration.Servers[].Address"));
      }
    }
    servers.push_back(std::move(rs));
  }
  return servers;
}

}  // namespace

std::string SuffrageName(int s) {
  switch (s) {
    case 0:
      return "voter";
    case 1:
      return "nonvoter";
    case 2:
      return "staging";
    default:
      return "unknown(" + std::to_string(s) + ")";
  }
}

Result<SnapshotMeta> ParseMeta(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Corruption("meta.json is not valid JSON");
  if (!doc.is_object()) return Corruption("meta.json is not a JSON object");
  SnapshotMeta m;
  m.id.clear();
  m.version = 0;
  bool saw_size = false;
  for (const auto& [k, v] : doc.items()) {
    if (KeyIs(k, "Version")) {
      VK_ASSIGN_OR_RETURN(int64_t x, AsI64(v, "Version"));
      if (x < INT32_MIN || x > INT32_MAX) return FieldError("Version", "small");
      m.version = static_cast<int>(x);
    } else if (KeyIs(k, "ID")) {
      VK_ASSIGN_OR_RETURN(m.id, AsString(v, "ID"));
    } else if (KeyIs(k, "Index")) {
      VK_ASSIGN_OR_RETURN(m.index, AsU64(v, "Index"));
    } else if (KeyIs(k, "Term")) {
      VK_ASSIGN_OR_RETURN(m.term, AsU64(v, "Term"));
    } else if (KeyIs(k, "Peers")) {
      if (!v.is_null()) {
        VK_ASSIGN_OR_RETURN(std::string b64, AsString(v, "Peers"));
        auto raw = Base64Decode(b64);
        if (!raw.ok())
          return Corruption("meta.json field Peers is not valid base64");
        m.peers = std::move(*raw);
      }
    } else if (KeyIs(k, "Configuration")) {
      if (v.is_null()) continue;
      if (!v.is_object()) return FieldError("Configuration", "an object");
      for (const auto& [ck, cv] : v.items()) {
        if (KeyIs(ck, "Servers") && !cv.is_null()) {
          VK_ASSIGN_OR_RETURN(auto servers, ParseServers(cv));
          m.servers = std::move(servers);
        }
      }
    } else if (KeyIs(k, "ConfigurationIndex")) {
      VK_ASSIGN_OR_RETURN(m.configuration_index,
                          AsU64(v, "ConfigurationIndex"));
    } else if (KeyIs(k, "Size")) {
      VK_ASSIGN_OR_RETURN(m.size, AsI64(v, "Size"));
      saw_size = true;
    }
  }
  if (m.version != 0 && m.version != 1) {
    return Corruption("meta.json has unsupported snapshot version " +
                      std::to_string(m.version) + " (Vault accepts 0 and 1)");
  }
  if (!saw_size) return Corruption("meta.json has no Size field");
  if (m.size < 0) return FieldError("Size", "non-negative");
  return m;
}

std::string EncodeMeta(const SnapshotMeta& m) {
  std::string out = "{\"Version\":" + std::to_string(m.version) + ",\"ID\":";
  AppendGoString(out, m.id);
  out += ",\"Index\":" + std::to_string(m.index);
  out += ",\"Term\":" + std::to_string(m.term);
  out += ",\"Peers\":";
  if (m.peers) {
    AppendGoString(out, Base64Encode(*m.peers));
  } else {
    out += "null";
  }
  out += ",\"Configuration\":{\"Servers\":";
  if (!m.servers) {
    out += "null";
  } else {
    out += '[';
    for (size_t i = 0; i < m.servers->size(); ++i) {
      const RaftServer& s = (*m.servers)[i];
      if (i) out += ',';
      out += "{\"Suffrage\":" + std::to_string(s.suffrage) + ",\"ID\":";
      AppendGoString(out, s.id);
      out += ",\"Address\":";
      AppendGoString(out, s.address);
      out += '}';
    }
    out += ']';
  }
  out += "},\"ConfigurationIndex\":" + std::to_string(m.configuration_index);
  out += ",\"Size\":" + std::to_string(m.size) + "}\n";
  return out;
}

}  // namespace vk::snapshot
