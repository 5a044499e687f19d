// The contract between minivault's core and its secrets engines: a logical
// request (operation, path relative to the mount, JSON body, query) and the
// response an engine gives back, plus the barrier view an engine stores
// through. Engines never see HTTP, tokens or the barrier's keys; the core
// checks the ACL before a request reaches an engine and maps the response to
// Vault's HTTP envelope.
#ifndef MINIVAULT_LOGICAL_LOGICAL_H_
#define MINIVAULT_LOGICAL_LOGICAL_H_

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::logical {

// Vault's logical operations. POST and PUT map to kCreate or kUpdate by the
// engine's existence check; the core asks the engine which one it is.
enum class Operation { kRead, kCreate, kUpdate, kDelete, kList, kPatch };

std::string_view OperationName(Operation op);  // "read", "create", ...

struct Request {
  Operation op = Operation::kRead;
  std::string path;  // relative to the mount, no leading '/'
  nlohmann::json data = nlohmann::json::object();  // body (or {} )
  std::map<std::string, std::string> query;        // URL query parameters
};

struct Response {
  int status = 200;     // 204 is produced by the core when data is null
  nlohmann::json data;  // null: no "data" in the envelope
  std::vector<std::string> errors;  // non-empty: {"errors":[...]} body
  std::vector<std::string> warnings;

  static Response Error(int status, std::string message) {
    Response r;
    r.status = status;
    r.errors.push_back(std::move(message));
    return r;
  }
  // Vault's plain 404: {"errors":[]}
  static Response NotFound() {
    Response r;
    r.status = 404;
    return r;
  }
  static Response Data(nlohmann::json data) {
    Response r;
    r.data = std::move(data);
    return r;
  }
  static Response NoContent() {
    Response r;
    r.status = 204;
    return r;
  }
};

// A barrier view: keys are relative to the engine's storage prefix
// (logical/<mount uuid>/); values are plaintext here and encrypted below.
// Every Put/Delete goes through the core's single apply path.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual Status Delete(std::string_view key) = 0;
  // Vault's physical List: the names directly under `prefix` (which is
  // empty or ends in '/'); a name with deeper keys gets a trailing '/'.
  // Sorted, without duplicates.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;
};

}  // namespace vk::logical

#endif  // MINIVAULT_LOGICAL_LOGICAL_H_
