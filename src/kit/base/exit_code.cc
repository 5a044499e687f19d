#include "kit/base/exit_code.h"

namespace vk {

ErrorClass ClassOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return ErrorClass::kNone;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
      return ErrorClass::kUser;
    case StatusCode::kCorruption:
      return ErrorClass::kCorruption;
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
      return ErrorClass::kUnavailable;
    case StatusCode::kIOError:
      return ErrorClass::kIO;
    case StatusCode::kInternal:
      return ErrorClass::kInternal;
  }
  return ErrorClass::kInternal;
}

int ExitCodeFor(const Status& status) {
  switch (ClassOf(status.code())) {
    case ErrorClass::kNone:
      return kExitOk;
    case ErrorClass::kInternal:
      return kExitInternal;
    case ErrorClass::kUser:
      return kExitUsage;
    case ErrorClass::kCorruption:
      return kExitCorruption;
    case ErrorClass::kUnavailable:
      return kExitUnavailable;
    case ErrorClass::kIO:
      return kExitIO;
  }
  return kExitInternal;
}

std::string_view ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kInternal:
      return "internal";
    case ErrorClass::kUser:
      return "user";
    case ErrorClass::kCorruption:
      return "corruption";
    case ErrorClass::kUnavailable:
      return "unavailable";
    case ErrorClass::kIO:
      return "io";
  }
  return "internal";
}

}  // namespace vk
