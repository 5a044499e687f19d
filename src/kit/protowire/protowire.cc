#include "kit/protowire/protowire.h"

#include "kit/base/check.h"

namespace vk::protowire {
namespace {

std::string_view WireTypeName(WireType t) {
  switch (t) {
    case WireType::kVarint:
      return "varint";
    case WireType::kFixed64:
      return "fixed64";
    case WireType::kLengthDelimited:
      return "length-delimited";
    case WireType::kStartGroup:
      return "start-group";
    case WireType::kEndGroup:
      return "end-group";
    case WireType::kFixed32:
      return "fixed32";
  }
  return "unknown";
}

uint64_t LoadLittleEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t k = b.size(); k-- > 0;) {
    v = (v << 8) | static_cast<uint8_t>(b[k]);
  }
  return v;
}

void StoreLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) {
    out->push_back(static_cast<char>(v >> (8 * k)));
  }
}

}  // namespace

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

size_t LengthDelimitedFieldSize(uint32_t field, size_t payload_size) {
  return VarintSize(uint64_t{field} << 3) + VarintSize(payload_size) +
         payload_size;
}

VarintDecoder::Step VarintDecoder::Push(uint8_t b, uint64_t* v) {
  // The tenth byte holds bit 63 only: anything more is a longer varint or a
  // value that does not fit.
  if (shift_ == 63 && b > 1) {
    Reset();
    return Step::kOverflow;
  }
  value_ |= static_cast<uint64_t>(b & 0x7f) << shift_;
  shift_ += 7;
  if (b & 0x80) return Step::kMore;
  *v = value_;
  Reset();
  return Step::kDone;
}

VarintParse ParseVarint(std::string_view in, size_t* pos, uint64_t* v) {
  VarintDecoder d;
  for (size_t p = *pos; p < in.size(); ++p) {
    switch (d.Push(static_cast<uint8_t>(in[p]), v)) {
      case VarintDecoder::Step::kMore:
        continue;
      case VarintDecoder::Step::kDone:
        *pos = p + 1;
        return VarintParse::kOk;
      case VarintDecoder::Step::kOverflow:
        return VarintParse::kOverflow;
    }
  }
  return VarintParse::kTruncated;
}

// ------------------------------------------------------------------ Writer

void Writer::Fixed32(uint32_t v) { StoreLittleEndian(out_, v, 4); }
void Writer::Fixed64(uint64_t v) { StoreLittleEndian(out_, v, 8); }

void Writer::Tag(uint32_t field, WireType type) {
  VK_CHECK(field >= 1 && field <= kMaxFieldNumber);
  Varint(uint64_t{field} << 3 | static_cast<uint64_t>(type));
}

void Writer::LengthPrefixed(std::string_view bytes) {
  Varint(bytes.size());
  out_->append(bytes);
}

void Writer::VarintField(uint32_t field, uint64_t v) {
  Tag(field, WireType::kVarint);
  Varint(v);
}

void Writer::Fixed32Field(uint32_t field, uint32_t v) {
  Tag(field, WireType::kFixed32);
  Fixed32(v);
}

void Writer::Fixed64Field(uint32_t field, uint64_t v) {
  Tag(field, WireType::kFixed64);
  Fixed64(v);
}

void Writer::BytesFieldHeader(uint32_t field, size_t size) {
  Tag(field, WireType::kLengthDelimited);
  Varint(size);
}

void Writer::BytesField(uint32_t field, std::string_view bytes) {
  BytesFieldHeader(field, bytes.size());
  out_->append(bytes);
}

// ------------------------------------------------------------------ Reader

Status Reader::Fail(WireError e, std::string_view why) {
  error_ = e;
  return Corruption(std::string(what_) + ": " + std::string(why) +
                    " at offset " + std::to_string(pos_));
}

Result<uint64_t> Reader::Varint() {
  uint64_t v = 0;
  switch (ParseVarint(in_, &pos_, &v)) {
    case VarintParse::kOk:
      return v;
    case VarintParse::kTruncated:
      return Fail(WireError::kTruncatedVarint, "truncated varint");
    case VarintParse::kOverflow:
      break;
  }
  return Fail(WireError::kVarintOverflow, "varint overflows 64 bits");
}

Result<Field> Reader::Next() {
  size_t start = pos_;
  VK_ASSIGN_OR_RETURN(uint64_t tag, Varint());
  uint64_t number = tag >> 3;
  auto type = static_cast<uint8_t>(tag & 7);
  if (number == 0 || number > kMaxFieldNumber) {
    pos_ = start;
    return Fail(WireError::kBadFieldNumber,
                "invalid field number " + std::to_string(number));
  }
  if (type > static_cast<uint8_t>(WireType::kFixed32)) {
    pos_ = start;
    return Fail(WireError::kUnknownWireType,
                "unknown wire type " + std::to_string(type));
  }
  return Field{static_cast<uint32_t>(number), static_cast<WireType>(type)};
}

Status Reader::Advance(size_t n) {
  if (n > in_.size() - pos_) {
    return Fail(WireError::kTruncatedFixed, "truncated fixed field");
  }
  pos_ += n;
  return Status::Ok();
}

Result<uint32_t> Reader::Fixed32() {
  size_t start = pos_;
  VK_RETURN_IF_ERROR(Advance(4));
  return static_cast<uint32_t>(LoadLittleEndian(in_.substr(start, 4)));
}

Result<uint64_t> Reader::Fixed64() {
  size_t start = pos_;
  VK_RETURN_IF_ERROR(Advance(8));
  return LoadLittleEndian(in_.substr(start, 8));
}

Result<std::string_view> Reader::Bytes() {
  VK_ASSIGN_OR_RETURN(uint64_t n, Varint());
  if (n > in_.size() - pos_) {
    return Fail(WireError::kLengthPastEnd,
                "length " + std::to_string(n) + " runs past the end");
  }
  std::string_view out = in_.substr(pos_, n);
  pos_ += n;
  return out;
}

Status Reader::Skip(WireType type) {
  switch (type) {
    case WireType::kVarint:
      return Varint().status();
    case WireType::kFixed64:
      return Advance(8);
    case WireType::kLengthDelimited:
      return Bytes().status();
    case WireType::kFixed32:
      return Advance(4);
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      break;
  }
  return Fail(WireError::kUnknownWireType,
              "unsupported wire type " + std::string(WireTypeName(type)));
}

Status Reader::ExpectType(const Field& f, WireType want) {
  if (f.type == want) return Status::Ok();
  return Fail(WireError::kUnexpectedWireType,
              "field " + std::to_string(f.number) + " has wire type " +
                  std::string(WireTypeName(f.type)) + ", expected " +
                  std::string(WireTypeName(want)));
}

Result<uint64_t> Reader::VarintOf(const Field& f) {
  VK_RETURN_IF_ERROR(ExpectType(f, WireType::kVarint));
  return Varint();
}

Result<std::string_view> Reader::BytesOf(const Field& f) {
  VK_RETURN_IF_ERROR(ExpectType(f, WireType::kLengthDelimited));
  return Bytes();
}

}  // namespace vk::protowire
