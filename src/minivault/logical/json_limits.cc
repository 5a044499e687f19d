#include "minivault/logical/json_limits.h"

#include <algorithm>
#include <vector>

namespace vk::logical {
namespace {

bool IsNumberChar(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
         c == 'e' || c == 'E';
}

class Scanner {
 public:
  Scanner(std::string_view text, const JsonLimits& limits)
      : text_(text), limits_(limits) {
    open_.reserve(std::min<size_t>(limits.max_depth, 64));
  }

  Status Run() {
    const size_t n = text_.size();
    size_t i = 0;
    while (i < n) {
      char c = text_[i];
      switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case ':':
          ++i;
          break;
        case '{':
        case '[':
          VK_RETURN_IF_ERROR(ValueStarts());
          if (open_.size() >= limits_.max_depth) {
            return InvalidArgument(kJsonTooDeep);
          }
          open_.push_back({c == '{', 0});
          ++i;
          break;
        case '}':
        case ']':
          // Nothing open, or the other kind: a syntax error at this byte.
          if (open_.empty() || open_.back().object != (c == '}')) {
            return Status::Ok();
          }
          open_.pop_back();
          ++i;
          break;
        case ',':
          if (!open_.empty()) {
            ++open_.back().count;
            VK_RETURN_IF_ERROR(CheckCount(open_.back()));
          }
          ++i;
          break;
        case '"': {
          VK_RETURN_IF_ERROR(ValueStarts());
          size_t start = ++i;
          while (i < n && text_[i] != '"') {
            i += text_[i] == '\\' ? 2 : 1;
            if (i - start > limits_.max_string_length) {
              return InvalidArgument(kJsonStringTooLong);
            }
          }
          ++i;  // the closing quote (or past the end)
          break;
        }
        default:
          VK_RETURN_IF_ERROR(ValueStarts());
          if (c == '-' || (c >= '0' && c <= '9')) {
            size_t start = i;
            while (i < n && IsNumberChar(text_[i])) ++i;
            if (i - start > limits_.max_string_length) {
              return InvalidArgument(kJsonNumberTooLong);
            }
          } else {
            ++i;  // a literal's letter, or a byte the parser will reject
          }
          break;
      }
    }
    return Status::Ok();
  }

 private:
  struct Open {
    bool object;
    // Values (arrays) or keys (objects) begun so far: 1 at the first token
    // inside the container, plus one per comma. Exact for valid JSON.
    size_t count;
  };

  // A token begins directly inside the innermost open container.
  Status ValueStarts() {
    if (open_.empty() || open_.back().count != 0) return Status::Ok();
    open_.back().count = 1;
    return CheckCount(open_.back());
  }

  Status CheckCount(const Open& o) const {
    if (o.object && o.count > limits_.max_object_entries) {
      return InvalidArgument(kJsonTooManyEntries);
    }
    if (!o.object && o.count > limits_.max_array_elements) {
      return InvalidArgument(kJsonTooManyElements);
    }
    return Status::Ok();
  }

  std::string_view text_;
  const JsonLimits& limits_;
  std::vector<Open> open_;
};

}  // namespace

Status CheckJsonLimits(std::string_view text, const JsonLimits& limits) {
  return Scanner(text, limits).Run();
}

Result<nlohmann::json> ParseJson(std::string_view text,
                                 const JsonLimits& limits) {
  VK_RETURN_IF_ERROR(CheckJsonLimits(text, limits));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(e.what());
  }
}

nlohmann::json ParseJsonOrDiscarded(std::string_view text,
                                    const JsonLimits& limits) {
  if (!CheckJsonLimits(text, limits).ok()) {
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace vk::logical
