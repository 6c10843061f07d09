// Protobuf wire-format reader: tags, varints, fixed-width values and length-delimited spans,
// each checked against the enclosing message's span before it is used.
#include "weights/protobuf_wire.h"

#include <cstring>

#include "nst/error.h"

namespace nst::detail {
namespace {

constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

uint64_t le_bits(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

bool decode_varint(const uint8_t* data, size_t size, size_t* pos, uint64_t* value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= size) return false;
    const uint8_t byte = data[(*pos)++];
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;  // bits past 64 are dropped, as protobuf does
    if (!(byte & 0x80)) {
      *value = v;
      return true;
    }
  }
  return false;  // more than 10 bytes
}

WireReader::WireReader(const uint8_t* data, size_t size, std::string what, size_t base)
    : data_(data), size_(size), base_(base), what_(std::move(what)) {}

void WireReader::bad(const std::string& problem) const {
  fail(ErrorKind::kFormat, what_ + ": " + problem + " at byte " + std::to_string(base_ + pos_));
}

uint64_t WireReader::varint() {
  uint64_t v = 0;
  if (!decode_varint(data_, size_, &pos_, &v)) bad("truncated or overlong varint");
  return v;
}

bool WireReader::next(WireField& field) {
  if (pos_ >= size_) return false;
  field = WireField{};
  field.offset = base_ + pos_;
  const uint64_t tag = varint();
  const uint64_t number = tag >> 3;
  if (number == 0 || number > kMaxFieldNumber) bad("invalid field number " + std::to_string(number));
  field.number = static_cast<uint32_t>(number);
  switch (tag & 7) {
    case 0:
      field.type = WireType::kVarint;
      field.value = varint();
      break;
    case 1:
      field.type = WireType::kFixed64;
      if (size_ - pos_ < 8) bad("truncated 64-bit field " + std::to_string(number));
      field.value = le_bits(data_ + pos_, 8);
      pos_ += 8;
      break;
    case 2: {
      field.type = WireType::kLengthDelimited;
      const uint64_t length = varint();
      if (length > size_ - pos_) {
        bad("field " + std::to_string(number) + " claims " + std::to_string(length) + " bytes, only " +
            std::to_string(size_ - pos_) + " left");
      }
      field.bytes = data_ + pos_;
      field.size = static_cast<size_t>(length);
      pos_ += field.size;
      break;
    }
    case 5:
      field.type = WireType::kFixed32;
      if (size_ - pos_ < 4) bad("truncated 32-bit field " + std::to_string(number));
      field.value = le_bits(data_ + pos_, 4);
      pos_ += 4;
      break;
    default:
      bad("unsupported wire type " + std::to_string(tag & 7) + " for field " + std::to_string(number));
  }
  return true;
}

WireReader WireReader::nested(const WireField& field, std::string what) const {
  if (field.type != WireType::kLengthDelimited) {
    fail(ErrorKind::kFormat, what_ + ": field " + std::to_string(field.number) + " at byte " +
                                 std::to_string(field.offset) + " should be a nested message");
  }
  return WireReader(field.bytes, field.size, std::move(what), base_ + static_cast<size_t>(field.bytes - data_));
}

void append_floats(const WireField& field, std::vector<float>& out, const std::string& what) {
  if (field.type == WireType::kFixed32) {
    const uint32_t bits = static_cast<uint32_t>(field.value);
    float f;
    std::memcpy(&f, &bits, 4);
    out.push_back(f);
    return;
  }
  NST_CHECK(field.type == WireType::kLengthDelimited, kFormat,
            what + ": float field " + std::to_string(field.number) + " has the wrong wire type");
  NST_CHECK(field.size % 4 == 0, kFormat,
            what + ": packed float field has " + std::to_string(field.size) + " bytes, not a multiple of 4");
  const size_t n = field.size / 4;
  out.reserve(out.size() + n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t bits = static_cast<uint32_t>(le_bits(field.bytes + 4 * i, 4));
    float f;
    std::memcpy(&f, &bits, 4);
    out.push_back(f);
  }
}

void append_doubles(const WireField& field, std::vector<float>& out, const std::string& what) {
  auto push = [&](uint64_t bits) {
    double d;
    std::memcpy(&d, &bits, 8);
    out.push_back(static_cast<float>(d));
  };
  if (field.type == WireType::kFixed64) {
    push(field.value);
    return;
  }
  NST_CHECK(field.type == WireType::kLengthDelimited, kFormat,
            what + ": double field " + std::to_string(field.number) + " has the wrong wire type");
  NST_CHECK(field.size % 8 == 0, kFormat,
            what + ": packed double field has " + std::to_string(field.size) + " bytes, not a multiple of 8");
  out.reserve(out.size() + field.size / 8);
  for (size_t i = 0; i < field.size / 8; ++i) push(le_bits(field.bytes + 8 * i, 8));
}

void append_int64s(const WireField& field, std::vector<int64_t>& out, const std::string& what) {
  if (field.type == WireType::kVarint) {
    out.push_back(static_cast<int64_t>(field.value));
    return;
  }
  NST_CHECK(field.type == WireType::kLengthDelimited, kFormat,
            what + ": int64 field " + std::to_string(field.number) + " has the wrong wire type");
  size_t pos = 0;
  while (pos < field.size) {
    uint64_t v = 0;
    NST_CHECK(decode_varint(field.bytes, field.size, &pos, &v), kFormat,
              what + ": truncated packed varint in field " + std::to_string(field.number));
    out.push_back(static_cast<int64_t>(v));
  }
}

std::string wire_string(const WireField& field, const std::string& what) {
  NST_CHECK(field.type == WireType::kLengthDelimited, kFormat,
            what + ": string field " + std::to_string(field.number) + " has the wrong wire type");
  return std::string(reinterpret_cast<const char*>(field.bytes), field.size);
}

}  // namespace nst::detail
