#include "vaultkeep/access/vault_access.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "kit/base/strings.h"
#include "kit/env/file.h"
#include "kit/k8s/config.h"

namespace vk::access {
namespace {

struct ObjectRef {
  std::string ns, name;
};

Result<ObjectRef> ParseRef(const std::string& flag, const std::string& value,
                           const std::string& default_ns) {
  size_t slash = value.find('/');
  ObjectRef r;
  if (slash == std::string::npos) {
    r.ns = default_ns;
    r.name = value;
  } else {
    r.ns = value.substr(0, slash);
    r.name = value.substr(slash + 1);
  }
  if (r.ns.empty() || r.name.empty() || r.name.find('/') != std::string::npos) {
    return InvalidArgument(flag + " " + Quote(value) +
                           ": expected NAMESPACE/NAME or NAME");
  }
  return r;
}

// Builds the Kubernetes client on first use: most runs never need one.
class KubeOnDemand {
 public:
  KubeOnDemand(const VaultSettings& f, std::unique_ptr<k8s::Client>* slot)
      : f_(f), slot_(slot) {}
  Result<k8s::Client*> Get() {
    if (!*slot_) {
      Result<k8s::ClusterConfig> cfg =
          k8s::DefaultConfig(f_.kubeconfig, f_.context);
      if (!cfg.ok()) return cfg.status().WithContext("Kubernetes API");
      *slot_ = std::make_unique<k8s::Client>(std::move(*cfg));
    }
    return slot_->get();
  }
  std::string DefaultNamespace() {
    Result<k8s::Client*> c = Get();
    return c.ok() && !(*c)->config().ns.empty() ? (*c)->config().ns : "default";
  }

 private:
  const VaultSettings& f_;
  std::unique_ptr<k8s::Client>* slot_;
};

// The token file: one line, not readable by every user. Group-readable
// files are common (Vault Agent sinks, Kubernetes Secret volumes at 0440)
// and only warned about.
Result<std::string> ReadTokenFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoStatus("cannot read the token file " + path, errno);
  }
  if (!S_ISREG(st.st_mode))
    return InvalidArgument("token file " + path + " is not a regular file");
  if ((st.st_mode & S_IROTH) != 0) {
    return PermissionDenied("token file " + path +
                            " is readable by every user: chmod 600 (or 640) "
                            "it and consider the token exposed");
  }
  if ((st.st_mode & S_IRGRP) != 0) {
    spdlog::warn(
        "token file {} is readable by its group; 0600 keeps it to "
        "its owner",
        path);
  }
  Result<std::string> raw = ReadSmallFile(path, 64 << 10);
  if (!raw.ok()) return raw.status().WithContext("token file " + path);
  std::string token = TrimSpace(*raw);
  Wipe(*raw);
  if (token.empty()) {
    return InvalidArgument("token file " + path + " is empty");
  }
  for (unsigned char ch : token) {
    if (ch == '\n' || ch == '\r') {
      Wipe(token);
      return InvalidArgument("token file " + path +
                             " holds more than one line; it must hold the "
                             "token alone");
    }
    if (ch < 0x21 || ch == 0x7f) {
      Wipe(token);
      return InvalidArgument("token file " + path +
                             " holds spaces or control characters inside "
                             "the token");
    }
  }
  return token;
}

Result<nlohmann::json> LoadObjectFile(const std::string& path,
                                      const std::string& kind) {
  VK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 4 << 20));
  Result<nlohmann::json> j = k8s::ParseObject(text, kind);
  if (!j.ok()) return j.status().WithContext(path);
  return j;
}

}  // namespace

Result<std::chrono::milliseconds> Seconds(const std::string& flag, double s,
                                          bool zero_ok) {
  if (!std::isfinite(s) || s < 0 || (!zero_ok && s == 0) || s > kMaxSeconds) {
    return InvalidArgument(flag + " must be a number of seconds " +
                           (zero_ok ? "from 0" : "above 0") + " to " +
                           std::to_string(kMaxSeconds));
  }
  return std::chrono::milliseconds(static_cast<long>(s * 1000));
}

namespace {

// The AppBinding and the VaultServer it is refined by, from files or from
// the cluster, into s->target.
Status ResolveTarget(const VaultSettings& f, KubeOnDemand& kube,
                     VaultSetup* s) {
  if (!f.appbinding.empty() && !f.appbinding_file.empty())
    return InvalidArgument(
        "--appbinding and --appbinding-file exclude each other");
  if (!f.vaultserver.empty() && !f.vaultserver_file.empty())
    return InvalidArgument(
        "--vaultserver and --vaultserver-file exclude each other");
  if (!f.key_dir.empty() && !f.key_secret.empty())
    return InvalidArgument("--key-dir and --key-secret exclude each other");

  std::optional<nlohmann::json> appbinding;
  if (!f.appbinding_file.empty()) {
    VK_ASSIGN_OR_RETURN(appbinding,
                        LoadObjectFile(f.appbinding_file, "AppBinding"));
  } else if (!f.appbinding.empty()) {
    VK_ASSIGN_OR_RETURN(k8s::Client * c, kube.Get());
    VK_ASSIGN_OR_RETURN(ObjectRef ref, ParseRef("--appbinding", f.appbinding,
                                                kube.DefaultNamespace()));
    VK_ASSIGN_OR_RETURN(appbinding, c->GetAppBinding(ref.ns, ref.name));
  }
  if (appbinding) {
    VK_ASSIGN_OR_RETURN(s->target, k8s::TargetFromAppBinding(*appbinding));
  }
  std::optional<nlohmann::json> vaultserver;
  if (!f.vaultserver_file.empty()) {
    VK_ASSIGN_OR_RETURN(vaultserver,
                        LoadObjectFile(f.vaultserver_file, "VaultServer"));
  } else if (!f.vaultserver.empty()) {
    VK_ASSIGN_OR_RETURN(k8s::Client * c, kube.Get());
    VK_ASSIGN_OR_RETURN(ObjectRef ref, ParseRef("--vaultserver", f.vaultserver,
                                                kube.DefaultNamespace()));
    VK_ASSIGN_OR_RETURN(vaultserver, c->GetVaultServer(ref.ns, ref.name));
  }
  if (!vaultserver) return Status::Ok();
  if (!s->target) {
    return InvalidArgument(
        "--vaultserver needs the AppBinding too (--appbinding or "
        "--appbinding-file): the AppBinding says how to reach Vault");
  }
  return k8s::ApplyVaultServer(*vaultserver, &*s->target);
}

// Flags, then VAULT_ADDR, then the AppBinding.
Status ResolveAddrs(const VaultSettings& f, VaultSetup* s) {
  std::vector<std::string> raw = f.addrs;
  if (raw.empty() && !Getenv("VAULT_ADDR").empty())
    raw.push_back(Getenv("VAULT_ADDR"));
  if (raw.empty() && s->target) raw = s->target->addrs;
  if (raw.empty()) {
    return InvalidArgument(
        "no Vault address: give --vault-addr (one per node), set VAULT_ADDR, "
        "or point at an AppBinding");
  }
  for (const std::string& a : raw) {
    Result<std::string> n = vault::NormalizeAddr(a);
    if (!n.ok()) return n.status().WithContext("--vault-addr");
    s->addrs.push_back(*n);
  }
  return Status::Ok();
}

// TLS settings and the stream and wait bounds: flags, then Vault's
// environment variables, then the AppBinding.
Status ResolveConnection(const VaultSettings& f, VaultSetup* s) {
  vault::TlsOptions& tls = s->client.tls;
  tls.ca_file = !f.ca_cert.empty() ? f.ca_cert : Getenv("VAULT_CACERT");
  if (tls.ca_file.empty() && s->target) tls.ca_pem = s->target->ca_bundle_pem;
  tls.client_cert_file =
      !f.client_cert.empty() ? f.client_cert : Getenv("VAULT_CLIENT_CERT");
  tls.client_key_file =
      !f.client_key.empty() ? f.client_key : Getenv("VAULT_CLIENT_KEY");
  if (tls.client_cert_file.empty() != tls.client_key_file.empty())
    return InvalidArgument("a client certificate needs its key and vice versa");
  tls.server_name = !f.tls_server_name.empty()
                        ? f.tls_server_name
                        : Getenv("VAULT_TLS_SERVER_NAME");
  if (tls.server_name.empty() && s->target)
    tls.server_name = s->target->tls_server_name;
  std::string skip = Getenv("VAULT_SKIP_VERIFY");
  tls.insecure_skip_verify =
      f.tls_skip_verify || (!skip.empty() && skip != "0" && skip != "false") ||
      (s->target && s->target->insecure_skip_verify);
  if (f.stall_timeout_s < 1 || f.stall_timeout_s > kMaxSeconds) {
    return InvalidArgument("--stall-timeout must be 1 to " +
                           std::to_string(kMaxSeconds) + " seconds, not " +
                           std::to_string(f.stall_timeout_s));
  }
  s->client.stall_timeout_s = f.stall_timeout_s;
  VK_ASSIGN_OR_RETURN(s->find.wait, Seconds("--wait", f.wait_s, true));
  return Status::Ok();
}

// --token-file, then VAULT_TOKEN, then the AppBinding's backup token
// Secret.
Status ResolveToken(const VaultSettings& f, KubeOnDemand& kube, bool need_token,
                    VaultSetup* s) {
  if (!f.token_file.empty()) {
    VK_ASSIGN_OR_RETURN(s->token, ReadTokenFile(f.token_file));
  } else if (!Getenv("VAULT_TOKEN").empty()) {
    s->token = TrimSpace(Getenv("VAULT_TOKEN"));
  } else if (s->target && !s->target->backup_token_secret.empty()) {
    VK_ASSIGN_OR_RETURN(k8s::Client * c, kube.Get());
    Result<std::map<std::string, std::string>> data =
        c->GetSecretData(s->target->ns, s->target->backup_token_secret);
    if (!data.ok()) {
      return data.status().WithContext("the AppBinding's backup token Secret");
    }
    auto it = data->find("token");
    if (it == data->end() || TrimSpace(it->second).empty()) {
      return InvalidArgument("Secret " + s->target->ns + "/" +
                             s->target->backup_token_secret +
                             " has no \"token\" key");
    }
    s->token = TrimSpace(it->second);
  }
  if (s->token.empty() && need_token) {
    return InvalidArgument(
        "no Vault token: use --token-file, set VAULT_TOKEN, or point at an "
        "AppBinding with backupTokenSecretRef");
  }
  return Status::Ok();
}

// The key prefix (flag, then the AppBinding's for `purpose`) and the key
// store (--key-dir, --key-secret, then the AppBinding's unsealer).
Status ResolveKeys(const VaultSettings& f, KubeOnDemand& kube, Purpose purpose,
                   VaultSetup* s) {
  if (f.key_prefix_set) {
    s->key_prefix = f.key_prefix;
    s->key_prefix_known = true;
  } else if (s->target) {
    const std::string& p = purpose == Purpose::kBackup
                               ? s->target->backup_key_prefix
                               : s->target->restore_key_prefix;
    if (!p.empty()) {
      s->key_prefix = p;
      s->key_prefix_known = true;
    }
  }
  VK_RETURN_IF_ERROR(keystore::ValidatePrefix(s->key_prefix));

  if (!f.key_dir.empty()) {
    s->keys = keystore::NewDirKeyStore(f.key_dir);
  } else if (!f.key_secret.empty()) {
    VK_ASSIGN_OR_RETURN(k8s::Client * c, kube.Get());
    VK_ASSIGN_OR_RETURN(ObjectRef ref, ParseRef("--key-secret", f.key_secret,
                                                kube.DefaultNamespace()));
    s->keys = keystore::NewSecretKeyStore(c, ref.ns, ref.name);
  } else if (s->target && !s->target->unsealer.mode.empty()) {
    const k8s::Unsealer& u = s->target->unsealer;
    if (u.mode != "kubernetesSecret") {
      return FailedPrecondition(
          "the unsealer stores keys with mode " + u.mode +
          ", which vaultkeep cannot read yet; use --key-dir or --key-secret "
          "(or --no-keys for a backup without keys)");
    }
    VK_ASSIGN_OR_RETURN(k8s::Client * c, kube.Get());
    s->keys = keystore::NewSecretKeyStore(c, s->target->ns, u.secret_name);
  }
  return Status::Ok();
}

}  // namespace

Result<VaultSetup> ResolveVault(const VaultSettings& f, Purpose purpose,
                                bool need_token) {
  VaultSetup s;
  KubeOnDemand kube(f, &s.kube);
  VK_RETURN_IF_ERROR(ResolveTarget(f, kube, &s));
  VK_RETURN_IF_ERROR(ResolveAddrs(f, &s));
  VK_RETURN_IF_ERROR(ResolveConnection(f, &s));
  VK_RETURN_IF_ERROR(ResolveToken(f, kube, need_token, &s));
  VK_RETURN_IF_ERROR(ResolveKeys(f, kube, purpose, &s));
  return s;
}

Result<KeyEscrow> EscrowOf(const VaultSetup& v, int shares) {
  if (!v.keys) {
    return InvalidArgument(
        "no unsealer key store: give --key-dir or --key-secret, an "
        "AppBinding whose unsealer uses a Kubernetes Secret, or --no-keys "
        "to back up without the keys");
  }
  if (!v.key_prefix_known) {
    return InvalidArgument(
        "no key prefix: give --key-prefix (\"\" for keys named "
        "unseal-key-<i>), or an AppBinding whose backup task has keyPrefix");
  }
  KeyEscrow e;
  e.keys = v.keys.get();
  e.prefix = v.key_prefix;
  e.shares = shares > 0 ? shares
             : v.target && !v.target->unsealer.mode.empty()
                 ? v.target->unsealer.secret_shares
                 : 0;
  return e;
}

}  // namespace vk::access
