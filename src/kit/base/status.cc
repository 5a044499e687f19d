#include "kit/base/status.h"

#include <cerrno>
#include <cstring>

namespace vk {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kCorruption:
      return "Corruption";
    case StatusCode::kIOError:
      return "IOError";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kAborted:
      return "Aborted";
    case StatusCode::kInternal:
      return "Internal";
  }
  return "Unknown";
}

Status Status::WithDetail(std::shared_ptr<const StatusDetail> detail) const {
  Status s = *this;
  if (!ok()) s.detail_ = std::move(detail);
  return s;
}

Status Status::WithMessage(std::string message) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = std::move(message);
  return s;
}

Status Status::WithContext(std::string_view context) const {
  std::string m(context);
  m += ": ";
  m += message_;
  return WithMessage(std::move(m));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

Status ErrnoStatus(std::string_view what, int err) {
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(std::move(m));
    case EACCES:
    case EPERM:
      return PermissionDenied(std::move(m));
    case EISDIR:
    case ENOTDIR:
      return InvalidArgument(std::move(m));
    default:
      return IOError(std::move(m));
  }
}

}  // namespace vk
