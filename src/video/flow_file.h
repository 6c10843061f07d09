#pragma once
// Flows on disk in the Middlebury .flo layout ("PIEH" magic as float 202021.25, int32 width and
// height, then interleaved float32 u, v per pixel, row-major), readable by common flow tools.
#include <ATen/core/Tensor.h>

#include <string>

namespace nst::detail {

/// Writes a 1x2xHxW flow atomically (temp file + rename).
void write_flo(const at::Tensor& flow, const std::string& path);
/// Reads a .flo file as 1x2xHxW float; throws nst::Error(kIo/kFormat) when missing or malformed.
at::Tensor read_flo(const std::string& path);

}  // namespace nst::detail
