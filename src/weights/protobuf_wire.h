#pragma once
// A bounds-checked reader of the protobuf wire format, enough to walk a Caffe NetParameter.
//
// Why not libprotobuf: nst needs three messages (NetParameter -> layers -> name/type/blobs) out
// of caffe.proto's ~100. libprotobuf would need protoc and a generated caffe.pb.{h,cc} at build
// time, a second copy of the schema to keep in step, and its parser is large and tuned for
// trusted input. The wire format itself is five rules (varint, 64-bit, length-delimited,
// 32-bit, tags); a ~200-line reader over a byte span is easy to read, fuzz and bounds-check.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nst::detail {

/// Protobuf wire types; 3 and 4 (groups) are refused, caffe.proto has none.
enum class WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

/// One field as read from the wire; only the member matching `type` is meaningful.
struct WireField {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t value = 0;              ///< varint, or the raw bits of a fixed32/fixed64
  const uint8_t* bytes = nullptr;  ///< length-delimited payload (inside the reader's span)
  size_t size = 0;                 ///< its length in bytes
  size_t offset = 0;               ///< offset of the tag from the start of the outermost buffer
};

/// Iterates the fields of one message held in [data, data + size). Every varint, length and
/// offset is checked against the span; malformed input throws nst::Error(kFormat) naming
/// `what` (e.g. "caffemodel layer 'conv1_1'") and the byte offset.
class WireReader {
 public:
  /// `base` is the offset of `data` in the outermost buffer, for messages.
  WireReader(const uint8_t* data, size_t size, std::string what, size_t base = 0);

  /// Reads the next field into `field`; false at the end of the message.
  bool next(WireField& field);

  /// A reader over a length-delimited field's payload (a nested message).
  WireReader nested(const WireField& field, std::string what) const;

 private:
  uint64_t varint();
  [[noreturn]] void bad(const std::string& problem) const;

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  size_t base_;
  std::string what_;
};

/// Decodes a varint from [data, data + size) starting at *pos (advanced past it); false if it
/// runs past the end or is longer than 10 bytes.
bool decode_varint(const uint8_t* data, size_t size, size_t* pos, uint64_t* value);

/// Appends a `repeated float` field: one fixed32 value (unpacked) or a packed run of them.
/// Throws nst::Error(kFormat) on a wrong wire type or a packed length not a multiple of 4.
void append_floats(const WireField& field, std::vector<float>& out, const std::string& what);
/// The same for `repeated double` (fixed64 or packed), converted to float.
void append_doubles(const WireField& field, std::vector<float>& out, const std::string& what);
/// The same for `repeated int64` (varint or packed varints).
void append_int64s(const WireField& field, std::vector<int64_t>& out, const std::string& what);

/// A length-delimited field as a string (no UTF-8 check; names are only compared and printed).
std::string wire_string(const WireField& field, const std::string& what);

}  // namespace nst::detail
