#pragma once
// The shares of several style images in a blended style target, checked once for every pipeline
// that blends styles (the style objective, its tiled twin, the judge).
#include <cstddef>
#include <vector>

namespace nst::detail {

/// blend normalized to sum 1 (empty = equal shares) for style_count images. Throws
/// nst::Error(kUsage) when the count differs, a weight is negative or not finite, or all are zero.
std::vector<double> style_blend_shares(const std::vector<double>& blend, size_t style_count);

}  // namespace nst::detail
