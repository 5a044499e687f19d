#include "vaultkeep/backup/manifest.h"

#include <nlohmann/json.hpp>

namespace vk::backup {

const ManifestEntry* Manifest::Find(std::string_view name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string EncodeManifest(const Manifest& m) {
  nlohmann::ordered_json j;
  j["format"] = kManifestFormat;
  j["version"] = kManifestVersion;
  j["tool_version"] = m.tool_version;
  j["source"] = m.source;
  j["vault"] = {{"snapshot_id", m.vault_snapshot_id},
                {"index", m.index},
                {"term", m.term},
                {"records", m.records},
                {"raft_servers", m.raft_servers}};
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const auto& e : m.entries) {
    entries.push_back(
        {{"name", e.name}, {"size", e.size}, {"sha256", HexEncode(e.sha256)}});
  }
  j["archive"] = {{"entries", entries},
                  {"tar_mtime", m.tar_mtime},
                  {"compressed_size", m.compressed_size},
                  {"tar_size", m.tar_size},
                  {"gzip_members", m.gzip_members},
                  {"sealed", m.sealed}};
  j["chunking"] = {{"average", m.chunk_average},
                   {"record_aligned", m.record_aligned}};
  j["keys"] = m.keys;
  if (m.cluster.captured) {
    const ClusterFacts& c = m.cluster;
    j["cluster"] = {{"cluster_id", c.cluster_id},
                    {"cluster_name", c.cluster_name},
                    {"vault_version", c.vault_version},
                    {"leader_addr", c.leader_addr},
                    {"leader_index", c.leader_index},
                    {"seal_type", c.seal_type},
                    {"shares", c.shares},
                    {"threshold", c.threshold},
                    {"key_prefix", c.key_prefix},
                    {"key_store", c.key_store},
                    {"peers", c.peers}};
    const Timings& t = m.timings;
    j["timings"] = {
        {"started", t.started},     {"find_leader_seconds", t.find_leader},
        {"keys_seconds", t.keys},   {"snapshot_seconds", t.snapshot},
        {"total_seconds", t.total}, {"attempts", t.attempts}};
  }
  if (m.key_check.checked) {
    const KeyCheckRecord& k = m.key_check;
    j["key_check"] = {{"verdict", k.verdict},   {"threshold", k.threshold},
                      {"distinct", k.distinct}, {"usable", k.usable},
                      {"problems", k.problems}, {"summary", k.summary}};
  }
  return j.dump(2) + "\n";
}

Result<Manifest> DecodeManifest(std::string_view json) {
  try {
    auto j = nlohmann::json::parse(json);
    if (!j.is_object() || j.value("format", "") != kManifestFormat) {
      return Corruption("vaultkeep.json: not a vaultkeep manifest");
    }
    int version = j.at("version").get<int>();
    if (version > kManifestVersion) {
      return FailedPrecondition(
          "vaultkeep.json: manifest version " + std::to_string(version) +
          " is newer than this vaultkeep reads (" +
          std::to_string(kManifestVersion) + "); upgrade vaultkeep");
    }
    Manifest m;
    m.tool_version = j.value("tool_version", "");
    m.source = j.value("source", "");
    const auto& v = j.at("vault");
    m.vault_snapshot_id = v.value("snapshot_id", "");
    m.index = v.at("index").get<uint64_t>();
    m.term = v.at("term").get<uint64_t>();
    m.records = v.value("records", uint64_t{0});
    m.raft_servers = v.value("raft_servers", 0);
    const auto& a = j.at("archive");
    for (const auto& e : a.at("entries")) {
      ManifestEntry me;
      me.name = e.at("name").get<std::string>();
      me.size = e.at("size").get<uint64_t>();
      VK_ASSIGN_OR_RETURN(std::string raw,
                          HexDecode(e.at("sha256").get<std::string>()));
      if (raw.size() != 32) {
        return Corruption("vaultkeep.json: bad sha256 for " + me.name);
      }
      std::copy(raw.begin(), raw.end(), me.sha256.begin());
      m.entries.push_back(std::move(me));
    }
    m.tar_mtime = a.at("tar_mtime").get<int64_t>();
    m.compressed_size = a.value("compressed_size", uint64_t{0});
    m.tar_size = a.value("tar_size", uint64_t{0});
    m.gzip_members = a.value("gzip_members", uint64_t{0});
    m.sealed = a.value("sealed", false);
    if (j.contains("chunking")) {
      m.chunk_average = j["chunking"].value("average", uint64_t{0});
      m.record_aligned = j["chunking"].value("record_aligned", false);
    }
    if (j.contains("keys")) {
      m.keys = j["keys"].get<std::vector<std::string>>();
    }
    if (j.contains("cluster")) {
      const auto& c = j["cluster"];
      ClusterFacts& f = m.cluster;
      f.captured = true;
      f.cluster_id = c.value("cluster_id", "");
      f.cluster_name = c.value("cluster_name", "");
      f.vault_version = c.value("vault_version", "");
      f.leader_addr = c.value("leader_addr", "");
      f.leader_index = c.value("leader_index", uint64_t{0});
      f.seal_type = c.value("seal_type", "");
      f.shares = c.value("shares", 0);
      f.threshold = c.value("threshold", 0);
      f.key_prefix = c.value("key_prefix", "");
      f.key_store = c.value("key_store", "");
      if (c.contains("peers"))
        f.peers = c["peers"].get<std::vector<std::string>>();
    }
    if (j.contains("timings")) {
      const auto& t = j["timings"];
      m.timings.started = t.value("started", "");
      m.timings.find_leader = t.value("find_leader_seconds", 0.0);
      m.timings.keys = t.value("keys_seconds", 0.0);
      m.timings.snapshot = t.value("snapshot_seconds", 0.0);
      m.timings.total = t.value("total_seconds", 0.0);
      m.timings.attempts = t.value("attempts", 0);
    }
    if (j.contains("key_check")) {
      const auto& k = j["key_check"];
      KeyCheckRecord& r = m.key_check;
      r.checked = true;
      r.verdict = k.value("verdict", "");
      r.threshold = k.value("threshold", 0);
      r.distinct = k.value("distinct", 0);
      if (k.contains("usable"))
        r.usable = k["usable"].get<std::vector<std::string>>();
      if (k.contains("problems"))
        r.problems = k["problems"].get<std::vector<std::string>>();
      r.summary = k.value("summary", "");
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return Corruption(std::string("vaultkeep.json: ") + e.what());
  }
}

}  // namespace vk::backup
