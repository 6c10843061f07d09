#pragma once
// XXH64 (the xxHash 64-bit digest), to check cache files for damage: ~10 GB/s where SHA-256 runs
// at ~0.3 GB/s, and a damaged file, not an attacker, is what a cache must catch. Being the
// published algorithm, its values can be checked with `xxhsum -H1` (xxhsum 0.8).
#include <cstddef>
#include <cstdint>

namespace nst::detail {

/// XXH64 of data[0..size) with `seed`.
uint64_t xxh64(const void* data, size_t size, uint64_t seed = 0);

}  // namespace nst::detail
