#pragma once
// SHA-256 (FIPS 180-4), to recognise well-known weight files by content.
#include <cstddef>
#include <cstdint>
#include <string>

namespace nst::detail {

/// Lower-case hex digest of data[0..size).
std::string sha256_hex(const uint8_t* data, size_t size);

}  // namespace nst::detail
