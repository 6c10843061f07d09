#pragma once
// PyTorch checkpoints (.pth): the zip container (torch.save since 1.6) and the legacy stream.
// Both are pure functions of a byte span so that they can be fuzzed.
#include <cstddef>
#include <cstdint>

#include "nst/weights.h"

namespace nst::detail {

/// Zip format: `<prefix>/data.pkl` plus one stored entry `<prefix>/data/<key>` per storage.
StateDict parse_torch_zip(const uint8_t* data, size_t size);

/// Legacy format: magic pickle, protocol 1001, sys-info pickle, the state-dict pickle, the
/// sorted storage keys, then per key an int64 element count and the raw little-endian data.
StateDict parse_torch_legacy(const uint8_t* data, size_t size);

/// True when the bytes start with the legacy stream's magic-number pickle.
bool has_torch_legacy_magic(const uint8_t* data, size_t size);

}  // namespace nst::detail
