#pragma once
// Reads the directory of a zip archive held in memory (the container of torch.save since 1.6).
// Only what PyTorch writes is needed: stored (uncompressed) entries, optionally zip64.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nst::detail {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;        ///< 0 = stored; anything else is refused by zip_entry_data()
  uint16_t flags = 0;         ///< bit 0 = encrypted
  uint64_t local_offset = 0;  ///< offset of the local file header
  uint64_t compressed_size = 0;
  uint64_t size = 0;
};

/// Parses the end-of-central-directory record(s) and the central directory. Every offset is
/// checked against `size`; throws nst::Error(kFormat) on anything malformed.
std::vector<ZipEntry> read_zip_directory(const uint8_t* data, size_t size);

/// The bytes of a stored entry (checked against its local header and the buffer).
/// Throws nst::Error(kFormat) for compressed or encrypted entries.
struct ByteSpan {
  const uint8_t* data = nullptr;
  size_t size = 0;
};
ByteSpan zip_entry_data(const uint8_t* data, size_t size, const ZipEntry& entry);

}  // namespace nst::detail
