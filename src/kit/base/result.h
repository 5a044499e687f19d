// Result<T>: a value or the Status that explains why there is none.
//
// C++20 has no std::expected; this is the small subset we need. Accessing
// value() of a failed Result is a bug and aborts (VK_CHECK).
#ifndef KIT_BASE_RESULT_H_
#define KIT_BASE_RESULT_H_

#include <utility>
#include <variant>

#include "kit/base/check.h"
#include "kit/base/status.h"

namespace vk {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    VK_CHECK(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & {
    VK_CHECK(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    VK_CHECK(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    VK_CHECK(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vk

#endif  // KIT_BASE_RESULT_H_
