// Spatial masks (nst style --style-mask): read as grey levels, resampled by area.
#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include "nst/error.h"
#include "nst/image.h"

namespace nst {

at::Tensor resize_mask(const at::Tensor& mask, int height, int width) {
  NST_CHECK(mask.dim() == 4 && mask.size(0) == 1 && mask.size(1) == 1, kUsage, "a mask must be 1x1xHxW");
  NST_CHECK(height > 0 && width > 0, kUsage, "resize to a non-positive size");
  at::Tensor m = mask.to(at::kFloat);
  if (m.size(2) == height && m.size(3) == width) return m;
  // Enlarging: bilinear (no overshoot, unlike the bicubic of resize_image). Shrinking: area
  // averages, so each output pixel holds the share of its footprint inside the region and a thin
  // region keeps its weight instead of vanishing between samples.
  const int64_t up_h = std::max<int64_t>(height, m.size(2)), up_w = std::max<int64_t>(width, m.size(3));
  if (up_h != m.size(2) || up_w != m.size(3)) {
    m = at::upsample_bilinear2d(m, {up_h, up_w}, /*align_corners=*/false);
  }
  if (up_h != height || up_w != width) m = at::adaptive_avg_pool2d(m, {height, width});
  return m.clamp(0.0, 1.0);
}

at::Tensor read_mask(const std::string& path, int height, int width) {
  const at::Tensor rgb = read_image(path);
  // Rec. 601 luma: a grey file reads back as itself (read_image repeats grey into R, G and B).
  const at::Tensor grey = (0.299 * rgb.narrow(1, 0, 1) + 0.587 * rgb.narrow(1, 1, 1) + 0.114 * rgb.narrow(1, 2, 1));
  return resize_mask(grey.clamp(0.0, 1.0), height, width);
}

}  // namespace nst
