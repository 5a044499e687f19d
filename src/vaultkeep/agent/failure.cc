#include "vaultkeep/agent/failure.h"

#include "vaultkeep/ops/live_backup.h"
#include "vaultkeep/storage/failure_tag.h"
#include "vaultkeep/vault/client.h"
#include "vaultkeep/vault/leader.h"

namespace vk::agent {

std::string_view ReasonName(Reason r) {
  switch (r) {
    case Reason::kUnreachable:
      return "unreachable";
    case Reason::kAuth:
      return "auth";
    case Reason::kSealed:
      return "sealed";
    case Reason::kLeaderChanged:
      return "leader_changed";
    case Reason::kCorrupt:
      return "corrupt";
    case Reason::kStorage:
      return "storage";
    case Reason::kKeys:
      return "keys";
    case Reason::kOther:
      return "other";
  }
  return "other";
}

Reason Classify(const Status& st, Stage stage) {
  if (stage == Stage::kKeyCheck) return Reason::kKeys;
  if (stage == Stage::kRepository || st.detail<storage::Failure>() != nullptr)
    return Reason::kStorage;
  if (st.detail<ops::KeyEscrowFailure>() != nullptr) return Reason::kKeys;
  if (const auto* n = st.detail<vault::NoActiveNode>()) {
    return n->all_sealed ? Reason::kSealed : Reason::kUnreachable;
  }
  if (st.detail<vault::StandbyRedirect>() != nullptr)
    return Reason::kLeaderChanged;
  switch (st.code()) {
    case StatusCode::kPermissionDenied:
      return Reason::kAuth;
    case StatusCode::kCorruption:
      return Reason::kCorrupt;
    case StatusCode::kAborted:
      return Reason::kLeaderChanged;
    case StatusCode::kUnavailable:
      return Reason::kUnreachable;
    default:
      break;
  }
  return Reason::kOther;
}

}  // namespace vk::agent
