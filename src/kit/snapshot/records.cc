#include "kit/snapshot/records.h"

#include <algorithm>

#include "kit/base/utf8.h"

namespace vk::snapshot {

RecordScanner::RecordScanner(uint64_t total_size, Options options,
                             Callback callback)
    : total_(total_size), opt_(options), cb_(std::move(callback)) {}

Status RecordScanner::Fail(std::string why) const {
  return Corruption("state.bin record at offset " +
                    std::to_string(rec_offset_) + ": " + why);
}

Status RecordScanner::Emit() {
  if (key_.empty()) {
    return Fail(
        "the key is empty; BoltDB (Vault's store) refuses empty keys, so a "
        "restore of this snapshot would fail");
  }
  StateRecord r;
  r.offset = rec_offset_;
  r.length = pos_ - rec_offset_;
  r.message_size = msg_size_;
  r.key = key_;
  r.value_size = value_size_;
  if (opt_.keep_values) r.value = AsBytes(value_);
  r.seal_wrap = seal_wrap_;
  ++records_;
  state_ = State::kLen;
  var_.Reset();
  return cb_ ? cb_(r) : Status::Ok();
}

// Called whenever a field completes: the record may be complete too.
Status RecordScanner::EndOfFieldOrRecord() {
  var_.Reset();
  if (msg_left_ == 0) return Emit();
  state_ = State::kTag;
  return Status::Ok();
}

Status RecordScanner::StartField(uint64_t tag) {
  field_ = tag >> 3;
  uint64_t wt = tag & 7;
  if (field_ == 0) return Fail("invalid protobuf field number 0");
  auto want = [&](uint64_t w) -> Status {
    if (wt != w) {
      return Fail("StorageEntry field " + std::to_string(field_) +
                  " has protobuf wire type " + std::to_string(wt) +
                  ", expected " + std::to_string(w));
    }
    return Status::Ok();
  };
  if (field_ == 1 || field_ == 2) VK_RETURN_IF_ERROR(want(2));
  if (field_ == 3) VK_RETURN_IF_ERROR(want(0));
  var_.Reset();
  switch (wt) {
    case 0:
      state_ = State::kVarintField;
      return Status::Ok();
    case 2:
      state_ = State::kFieldLen;
      return Status::Ok();
    case 1:
    case 5: {
      uint64_t n = wt == 1 ? 8 : 4;
      if (n > msg_left_) return Fail("fixed-width field runs past the record");
      field_left_ = n;
      field_ = 0;  // skip
      state_ = State::kSkip;
      return Status::Ok();
    }
    default:
      return Fail("invalid protobuf wire type " + std::to_string(wt));
  }
}

Status RecordScanner::Feed(ByteSpan data) {
  size_t i = 0;
  const size_t n = data.size();
  while (i < n) {
    switch (state_) {
      case State::kLen: {
        if (!var_.started()) rec_offset_ = pos_;
        uint8_t b = data[i++];
        ++pos_;
        auto step = var_.Push(b, &msg_size_);
        if (step == protowire::VarintDecoder::Step::kOverflow) {
          return Fail("the length prefix overflows 64 bits");
        }
        if (step == protowire::VarintDecoder::Step::kMore) break;
        uint64_t left = total_ == UINT64_MAX ? UINT64_MAX : total_ - pos_;
        if (msg_size_ > opt_.max_message_size) {
          return Fail("declares a length of " + std::to_string(msg_size_) +
                      " bytes, more than Vault's limit of " +
                      std::to_string(opt_.max_message_size));
        }
        if (msg_size_ > left) {
          return Fail("declares " + std::to_string(msg_size_) +
                      " bytes but only " + std::to_string(left) +
                      " bytes of state.bin remain");
        }
        msg_left_ = msg_size_;
        key_.clear();
        value_.clear();
        value_size_ = 0;
        seal_wrap_ = false;
        VK_RETURN_IF_ERROR(EndOfFieldOrRecord());
        break;
      }
      case State::kTag:
      case State::kFieldLen:
      case State::kVarintField: {
        if (msg_left_ == 0) return Fail("a field is cut off at the record end");
        uint8_t b = data[i++];
        ++pos_;
        --msg_left_;
        uint64_t v = 0;
        auto step = var_.Push(b, &v);
        if (step == protowire::VarintDecoder::Step::kOverflow) {
          return Fail("a varint overflows 64 bits");
        }
        if (step == protowire::VarintDecoder::Step::kMore) {
          if (msg_left_ == 0)
            return Fail("a field is cut off at the record end");
          break;
        }
        if (state_ == State::kTag) {
          if (v > UINT32_MAX) return Fail("invalid protobuf tag");
          VK_RETURN_IF_ERROR(StartField(v));
          break;
        }
        if (state_ == State::kVarintField) {
          if (field_ == 3) seal_wrap_ = v != 0;
          VK_RETURN_IF_ERROR(EndOfFieldOrRecord());
          break;
        }
        // kFieldLen
        if (v > msg_left_) {
          return Fail("field " + std::to_string(field_) + " declares " +
                      std::to_string(v) + " bytes but only " +
                      std::to_string(msg_left_) + " remain in the record");
        }
        field_left_ = v;
        if (field_ == 1) {
          if (v > opt_.max_key_size) {
            return Fail("key of " + std::to_string(v) +
                        " bytes is longer than BoltDB's limit of " +
                        std::to_string(opt_.max_key_size) +
                        " bytes, so a restore would fail");
          }
          key_.clear();
          state_ = State::kKey;
        } else if (field_ == 2) {
          value_size_ = v;
          value_.clear();
          if (opt_.keep_values && v > opt_.max_value_size) {
            return Fail("value of " + std::to_string(v) +
                        " bytes is larger than the limit of " +
                        std::to_string(opt_.max_value_size));
          }
          state_ = opt_.keep_values ? State::kValue : State::kSkip;
        } else {
          state_ = State::kSkip;
        }
        if (v == 0) {
          if (field_ == 1) key_.clear();
          VK_RETURN_IF_ERROR(EndOfFieldOrRecord());
        }
        break;
      }
      case State::kSkip:
      case State::kKey:
      case State::kValue: {
        size_t take =
            static_cast<size_t>(std::min<uint64_t>(field_left_, n - i));
        if (state_ == State::kKey) {
          key_.append(reinterpret_cast<const char*>(data.data() + i), take);
        } else if (state_ == State::kValue) {
          value_.append(reinterpret_cast<const char*>(data.data() + i), take);
        }
        i += take;
        pos_ += take;
        field_left_ -= take;
        msg_left_ -= take;
        if (field_left_ == 0) {
          if (state_ == State::kKey && !utf8::IsValid(key_)) {
            return Fail("key is not valid UTF-8");
          }
          VK_RETURN_IF_ERROR(EndOfFieldOrRecord());
        }
        break;
      }
    }
  }
  return Status::Ok();
}

Status RecordScanner::Finish() {
  if (state_ == State::kLen && !var_.started()) return Status::Ok();
  return Fail("state.bin ends inside this record (" +
              std::to_string(pos_ - rec_offset_) + " bytes of it present)");
}

static uint64_t MessageSize(size_t k, size_t v) {
  uint64_t m = 0;
  if (k) m += protowire::LengthDelimitedFieldSize(1, k);
  if (v) m += protowire::LengthDelimitedFieldSize(2, v);
  return m;
}

uint64_t RecordSize(size_t key_size, size_t value_size) {
  uint64_t m = MessageSize(key_size, value_size);
  return protowire::VarintSize(m) + m;
}

void AppendRecordHeader(std::string* out, std::string_view key,
                        size_t value_size) {
  protowire::Writer w(out);
  w.Varint(MessageSize(key.size(), value_size));
  w.ImplicitBytesField(1, key);
  if (value_size != 0) w.BytesFieldHeader(2, value_size);
}

void AppendRecord(std::string* out, std::string_view key,
                  std::string_view value) {
  AppendRecordHeader(out, key, value.size());
  out->append(value);
}

}  // namespace vk::snapshot
