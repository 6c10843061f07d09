// Zip directory reader: EOCD (+ zip64 locator/record), central directory, local headers.
// A hostile archive can only make it throw: every field is range-checked before use.
#include "weights/zip_reader.h"

#include "nst/error.h"

namespace nst::detail {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kLocator64Sig = 0x07064b50;
constexpr size_t kMaxEntries = 1u << 20;

[[noreturn]] void bad(const std::string& what) { fail(ErrorKind::kFormat, "corrupt zip archive: " + what); }

// Little-endian read of n bytes at pos, after checking pos + n <= size.
uint64_t le(const uint8_t* data, size_t size, uint64_t pos, int n) {
  if (pos > size || static_cast<uint64_t>(n) > size - pos) bad("a record at offset " + std::to_string(pos) + " runs past the end");
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | data[pos + i];
  return v;
}

struct Directory {
  uint64_t entries = 0, offset = 0, bytes = 0;
};

Directory find_directory(const uint8_t* data, size_t size) {
  if (size < 22) bad("too short to hold an end-of-directory record");
  // The EOCD record is at the end, followed by a comment of at most 65535 bytes.
  const size_t lowest = size >= 22 + 65535 ? size - 22 - 65535 : 0;
  for (size_t pos = size - 22 + 1; pos-- > lowest;) {
    if (le(data, size, pos, 4) != kEndSig) continue;
    if (pos + 22 + le(data, size, pos + 20, 2) != size) continue;  // comment must end the file
    Directory d{le(data, size, pos + 10, 2), le(data, size, pos + 16, 4), le(data, size, pos + 12, 4)};
    const bool zip64 = d.entries == 0xffff || d.offset == 0xffffffff || d.bytes == 0xffffffff;
    if (zip64 || (pos >= 20 && le(data, size, pos - 20, 4) == kLocator64Sig)) {
      if (pos < 20 || le(data, size, pos - 20, 4) != kLocator64Sig) bad("zip64 locator missing");
      const uint64_t rec = le(data, size, pos - 20 + 8, 8);
      if (le(data, size, rec, 4) != kEnd64Sig) bad("zip64 end record not found at offset " + std::to_string(rec));
      d = Directory{le(data, size, rec + 32, 8), le(data, size, rec + 48, 8), le(data, size, rec + 40, 8)};
    }
    if (d.offset > size || d.bytes > size - d.offset) bad("the central directory lies outside the file");
    if (d.entries > kMaxEntries || d.entries * 46 > d.bytes) bad("implausible entry count " + std::to_string(d.entries));
    return d;
  }
  bad("no end-of-central-directory record");
}

}  // namespace

std::vector<ZipEntry> read_zip_directory(const uint8_t* data, size_t size) {
  const Directory dir = find_directory(data, size);
  std::vector<ZipEntry> entries;
  uint64_t pos = dir.offset;
  const uint64_t end = dir.offset + dir.bytes;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    if (pos + 46 > end || le(data, size, pos, 4) != kCentralSig) bad("central directory entry " + std::to_string(i));
    ZipEntry e;
    e.flags = static_cast<uint16_t>(le(data, size, pos + 8, 2));
    e.method = static_cast<uint16_t>(le(data, size, pos + 10, 2));
    e.compressed_size = le(data, size, pos + 20, 4);
    e.size = le(data, size, pos + 24, 4);
    const uint64_t name_len = le(data, size, pos + 28, 2), extra_len = le(data, size, pos + 30, 2),
                   comment_len = le(data, size, pos + 32, 2);
    e.local_offset = le(data, size, pos + 42, 4);
    const uint64_t next = pos + 46 + name_len + extra_len + comment_len;
    if (next > end) bad("central directory entry " + std::to_string(i) + " runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(data + pos + 46), name_len);
    // zip64 extended information: 64-bit values replace the fields saturated at 0xffffffff.
    for (uint64_t x = pos + 46 + name_len; x + 4 <= pos + 46 + name_len + extra_len;) {
      const uint64_t id = le(data, size, x, 2), len = le(data, size, x + 2, 2);
      if (x + 4 + len > pos + 46 + name_len + extra_len) bad("extra field of '" + e.name + "'");
      if (id == 1) {
        uint64_t field = x + 4;
        for (uint64_t* v : {&e.size, &e.compressed_size, &e.local_offset}) {
          if (*v != 0xffffffff) continue;
          if (field + 8 > x + 4 + len) bad("zip64 field of '" + e.name + "'");
          *v = le(data, size, field, 8);
          field += 8;
        }
      }
      x += 4 + len;
    }
    entries.push_back(std::move(e));
    pos = next;
  }
  return entries;
}

ByteSpan zip_entry_data(const uint8_t* data, size_t size, const ZipEntry& entry) {
  if (entry.flags & 1) fail(ErrorKind::kFormat, "zip entry '" + entry.name + "' is encrypted");
  if (entry.method != 0) {
    fail(ErrorKind::kFormat, "zip entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method) +
                                 "); PyTorch writes stored entries only, re-save the file with torch.save");
  }
  if (entry.compressed_size != entry.size) bad("stored entry '" + entry.name + "' has differing sizes");
  const uint64_t h = entry.local_offset;
  if (le(data, size, h, 4) != kLocalSig) bad("local header of '" + entry.name + "' not found");
  const uint64_t start = h + 30 + le(data, size, h + 26, 2) + le(data, size, h + 28, 2);
  if (start > size || entry.size > size - start) {
    bad("entry '" + entry.name + "' (" + std::to_string(entry.size) + " bytes) runs past the end of the file");
  }
  return {data + start, static_cast<size_t>(entry.size)};
}

}  // namespace nst::detail
