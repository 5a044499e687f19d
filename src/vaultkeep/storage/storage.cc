#include "vaultkeep/storage/storage.h"

namespace vk::storage {

Status CheckKey(std::string_view key) {
  auto bad = [&](const char* why) {
    return InvalidArgument("invalid storage key \"" + std::string(key) +
                           "\": " + why);
  };
  if (key.empty()) return bad("empty");
  if (key.front() == '/') return bad("starts with /");
  if (key.find('\0') != std::string_view::npos) return bad("contains NUL");
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    std::string_view seg = key.substr(start, slash - start);
    if (seg.empty()) return bad("has an empty path segment");
    if (seg == "." || seg == "..") return bad("has a . or .. segment");
    start = slash + 1;
  }
  return Status::Ok();
}

Result<std::string> GetAll(Storage& storage, std::string_view key) {
  StringSink sink;
  VK_RETURN_IF_ERROR(storage.Get(key, 0, kToEnd, sink));
  return std::move(sink.mutable_data());
}

}  // namespace vk::storage
