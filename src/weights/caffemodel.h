#pragma once
// Original Caffe weights (.caffemodel: a binary protobuf NetParameter), read with nst's own
// wire-format reader (weights/protobuf_wire.h explains why not libprotobuf).
#include <cstddef>
#include <cstdint>

#include "nst/weights.h"

namespace nst::detail {

/// Parses a NetParameter with V2 `layer` (field 100), V1 `layers` (field 2) or V0 layers nested
/// in V1, keeping convolution layers (named convN_M, or of type Convolution / CONVOLUTION / conv)
/// that carry blobs. Keys are `<layer>.weight` (OIHW, Caffe's own order: BGR input) and
/// `<layer>.bias` ([out]). Throws nst::Error(kFormat) naming the layer and blob on anything
/// malformed, and when no convolution layer has weights.
StateDict parse_caffemodel(const uint8_t* data, size_t size);

/// True when the bytes start like a serialized NetParameter: a name(1), layers(2) or layer(100)
/// field whose length fits, followed by a plausible NetParameter field. Caffe files have no
/// magic number, so this is asked only after every format with one has said no.
bool looks_like_caffemodel(const uint8_t* data, size_t size);

}  // namespace nst::detail
