#include "minivault/core/barrier_view.h"

#include "kit/barrier/barrier.h"

namespace vk::minivault {

Result<std::optional<std::string>> BarrierView::Get(std::string_view key) {
  std::string path = prefix_ + std::string(key);
  auto raw = store_->Get(path);
  if (!raw.ok()) return raw.status();
  if (!raw.value().has_value()) return std::optional<std::string>();
  auto plain = barrier::Decrypt(*keyring_, path, *raw.value());
  if (!plain.ok()) return plain.status().WithContext(path);
  return std::optional<std::string>(std::move(plain).value());
}

Result<fsm::Op> BarrierView::PutOp(std::string_view key,
                                   std::string_view value) const {
  std::string path = prefix_ + std::string(key);
  auto sealed = barrier::Encrypt(*keyring_, path, value);
  if (!sealed.ok()) return sealed.status();
  return fsm::Op{fsm::Op::Kind::kPut, std::move(path),
                 std::move(sealed).value()};
}

Status BarrierView::Put(std::string_view key, std::string_view value) {
  auto op = PutOp(key, value);
  if (!op.ok()) return op.status();
  return applier_->Apply(fsm::Command{{std::move(op).value()}});
}

Status BarrierView::Delete(std::string_view key) {
  return applier_->Apply(fsm::Command{
      {fsm::Op{fsm::Op::Kind::kDelete, prefix_ + std::string(key), {}}}});
}

Result<std::vector<std::string>> BarrierView::List(std::string_view prefix) {
  return store_->List(prefix_ + std::string(prefix));
}

}  // namespace vk::minivault
