#include "minivault/logical/logical.h"

namespace vk::logical {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kRead:
      return "read";
    case Operation::kCreate:
      return "create";
    case Operation::kUpdate:
      return "update";
    case Operation::kDelete:
      return "delete";
    case Operation::kList:
      return "list";
    case Operation::kPatch:
      return "patch";
  }
  return "unknown";
}

}  // namespace vk::logical
