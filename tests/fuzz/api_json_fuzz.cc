// libFuzzer target: what minivault's API does with a request body
// (minivault/api/api.cc, Api::ReadBody and Api::ReadJson): the JSON limit check
// (minivault/logical/json_limits.h), then nlohmann's parse, then what handlers
// do with the document (copy it, compare it, dump it), all of which recurse.
//
// The first byte picks the limits: below 0x80 Vault's defaults; otherwise
// small ones (depth 1-8, strings 4-16 bytes, 1-4 entries or elements), so
// that short inputs reach every limit. The rest is the body.
//
// Checked, besides not crashing: a body that passes the check parses into
// a document within the limits (measured without recursion); a body
// refused as too deep or as too long an array is one that really is, when
// it parses (and holds no NUL byte: nlohmann ends its input at a NUL, so
// it may parse only a prefix of what the scan saw); ParseJsonOrDiscarded
// agrees with check-then-parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "minivault/logical/json_limits.h"

namespace {

using nlohmann::json;
using vk::logical::JsonLimits;

struct Shape {
  size_t depth = 0;
  size_t array_elements = 0;
  size_t object_entries = 0;
  size_t string_length = 0;  // decoded; never longer than as written
};

Shape Measure(const json& root) {
  Shape s;
  std::vector<std::pair<const json*, size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    auto [j, depth] = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      s.string_length =
          std::max(s.string_length, j->get_ref<const std::string&>().size());
    }
    if (!j->is_structured()) continue;
    s.depth = std::max(s.depth, depth);
    if (j->is_array()) {
      s.array_elements = std::max(s.array_elements, j->size());
    } else {
      s.object_entries = std::max(s.object_entries, j->size());
    }
    for (auto it = j->begin(); it != j->end(); ++it) {
      if (j->is_object())
        s.string_length = std::max(s.string_length, it.key().size());
      todo.push_back({&*it, depth + 1});
    }
  }
  return s;
}

JsonLimits LimitsFor(uint8_t b) {
  if (b < 0x80) return vk::logical::kRequestJsonLimits;
  size_t count = 1 + ((b >> 5) & 3);
  return JsonLimits{.max_depth = 1u + (b & 7),
                    .max_string_length = 4 * (1 + ((b >> 3) & 3u)),
                    .max_object_entries = count,
                    .max_array_elements = count};
}

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const JsonLimits limits = LimitsFor(data[0]);
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  vk::Status checked = vk::logical::CheckJsonLimits(body, limits);
  Require(checked.ok() || checked.code() == vk::StatusCode::kInvalidArgument);

  // The server's parse (Api::ReadJson): exceptions, reported as 400.
  json doc;
  bool parsed = false;
  try {
    doc = json::parse(body);
    parsed = true;
  } catch (const json::exception&) {
  }

  json lenient = vk::logical::ParseJsonOrDiscarded(body, limits);
  Require(lenient.is_discarded() == (!checked.ok() || !parsed));

  if (!parsed) return 0;
  Shape shape = Measure(doc);
  if (checked.ok()) {
    Require(shape.depth <= limits.max_depth);
    Require(shape.array_elements <= limits.max_array_elements);
    Require(shape.object_entries <= limits.max_object_entries);
    Require(shape.string_length <= limits.max_string_length);
    // What the handlers do with it: copy (Api::Engine), compare, dump
    // (SendJson, the stores' encoders).
    json copy = doc;
    Require(copy == doc);
    std::string text =
        copy.dump(-1, ' ', false, json::error_handler_t::replace);
    Require(!text.empty());
    Require(lenient == doc);
  } else if (body.find('\0') != std::string_view::npos) {
    // The scan saw more than the parser did; nothing to compare.
  } else if (checked.message() == vk::logical::kJsonTooDeep) {
    Require(shape.depth > limits.max_depth);
  } else if (checked.message() == vk::logical::kJsonTooManyElements) {
    Require(shape.array_elements > limits.max_array_elements);
  }
  return 0;
}
