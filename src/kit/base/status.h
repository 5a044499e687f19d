// Status: the error value that crosses every module boundary.
//
// A Status is either OK or carries a code and a one-sentence message meant
// for the operator (it names what is wrong: which entry, expected vs found).
// Messages never contain secrets (keys, tokens, passwords); callers that
// handle secrets must keep them out of the text they pass in.
//
// A Status may also carry a typed detail (a StatusDetail subclass) for a
// caller that must tell failures apart beyond the code: "the node is a
// standby", "the request never left". Callers ask with detail<T>() and
// never look into the message text, which is for people and may change.
#ifndef KIT_BASE_STATUS_H_
#define KIT_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace vk {

// Canonical codes. The error class (and so the CLI exit code) is derived
// from the code by ClassOf(); see kit/base/exit_code.h and docs/errors.md.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad flag, bad input the user gave us
  kNotFound,            // a file, snapshot or key that does not exist
  kPermissionDenied,    // the OS or a server refused access
  kFailedPrecondition,  // the world is not in the state the command needs
  kCorruption,          // data failed a structural or integrity check
  kIOError,             // a local read/write/fsync failed
  kUnavailable,         // transient: network, 5xx, sealed; worth a retry
  kAborted,             // cancelled, or lost a race (leader changed)
  kInternal,            // a bug in vaultkeep
};

std::string_view StatusCodeName(StatusCode code);

// Base of the typed details a Status can carry; immutable once attached
// (copies of a Status share it).
class StatusDetail {
 public:
  virtual ~StatusDetail() = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // A copy carrying `detail` (OK stays OK, without one).
  Status WithDetail(std::shared_ptr<const StatusDetail> detail) const;
  // The detail if it is a T, else null.
  template <typename T>
  const T* detail() const {
    return dynamic_cast<const T*>(detail_.get());
  }
  // The detail itself, to wrap it in another (null when there is none).
  const std::shared_ptr<const StatusDetail>& shared_detail() const {
    return detail_;
  }

  // A copy with another message, the same code and detail. OK stays OK.
  Status WithMessage(std::string message) const;

  // Returns a copy whose message is "<context>: <message>", with the same
  // detail. OK stays OK.
  Status WithContext(std::string_view context) const;

  // "OK" or "<CodeName>: <message>", for tests and debug logs.
  std::string ToString() const;

  // Code and message; the detail is supplementary and not compared.
  bool operator==(const Status& other) const {
    return code_ == other.code_ && message_ == other.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::shared_ptr<const StatusDetail> detail_;
};

inline Status InvalidArgument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFound(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status PermissionDenied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Corruption(std::string m) {
  return {StatusCode::kCorruption, std::move(m)};
}
inline Status IOError(std::string m) {
  return {StatusCode::kIOError, std::move(m)};
}
inline Status Unavailable(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status Aborted(std::string m) {
  return {StatusCode::kAborted, std::move(m)};
}
inline Status Internal(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

// Status from an errno value: ENOENT -> NotFound, EACCES/EPERM ->
// PermissionDenied, anything else -> IOError. `what` names the operation
// and path, e.g. "open /tmp/x.snap".
Status ErrnoStatus(std::string_view what, int err);

}  // namespace vk

#define VK_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::vk::Status vk_status_ = (expr);        \
    if (!vk_status_.ok()) return vk_status_; \
  } while (0)

#define VK_CONCAT_INNER_(a, b) a##b
#define VK_CONCAT_(a, b) VK_CONCAT_INNER_(a, b)
#define VK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// VK_ASSIGN_OR_RETURN(auto x, FunctionReturningResult());
#define VK_ASSIGN_OR_RETURN(lhs, expr) \
  VK_ASSIGN_OR_RETURN_IMPL_(VK_CONCAT_(vk_result_, __LINE__), lhs, expr)

#endif  // KIT_BASE_STATUS_H_
