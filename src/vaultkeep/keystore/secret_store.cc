// The Kubernetes Secret key store (KubeVault's kubernetesSecret unsealer
// mode). The Secret is read once per store and cached: a backup reads up
// to 256 keys and should not make 256 API calls. PutAll is one merge
// patch, so a migration is all or nothing.
#include "kit/base/strings.h"
#include "kit/k8s/client.h"
#include "vaultkeep/keystore/key_store.h"

namespace vk::keystore {
namespace {

class SecretKeyStore : public KeyStore {
 public:
  SecretKeyStore(k8s::Client* client, std::string ns, std::string name)
      : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}

  std::string Describe() const override {
    return "Kubernetes Secret " + ns_ + "/" + name_;
  }

  Result<std::optional<std::string>> Get(const std::string& name) override {
    if (!loaded_) {
      Result<std::map<std::string, std::string>> data =
          client_->GetSecretData(ns_, name_);
      if (!data.ok()) return data.status().WithContext(Describe());
      data_ = std::move(*data);
      loaded_ = true;
    }
    auto it = data_.find(name);
    if (it == data_.end()) return std::optional<std::string>();
    VK_ASSIGN_OR_RETURN(std::string value, DecodeValue(name, it->second));
    return std::optional<std::string>(std::move(value));
  }

  Status PutAll(const std::map<std::string, std::string>& entries) override {
    Status st = client_->PatchSecretData(ns_, name_, entries);
    if (!st.ok()) return st.WithContext(Describe());
    for (const auto& [k, v] : entries) data_[k] = v;
    return Status::Ok();
  }

 private:
  k8s::Client* client_;
  std::string ns_, name_;
  bool loaded_ = false;
  std::map<std::string, std::string> data_;
};

}  // namespace

std::unique_ptr<KeyStore> NewSecretKeyStore(k8s::Client* client, std::string ns,
                                            std::string name) {
  return std::make_unique<SecretKeyStore>(client, std::move(ns),
                                          std::move(name));
}

}  // namespace vk::keystore
