#include <ATen/ATen.h>

#include <algorithm>

#include "nst/error.h"
#include "nst/image.h"

namespace nst {
namespace {

// Number of lines at the start of `spread` (a 1-D tensor of per-line variation) below tolerance.
int64_t uniform_run(const at::Tensor& spread, double tolerance, int64_t limit) {
  const at::Tensor s = spread.to(at::kCPU, at::kDouble).contiguous();
  const double* p = s.data_ptr<double>();
  int64_t n = 0;
  while (n < limit && p[n] < tolerance) ++n;
  return n;
}

}  // namespace

at::Tensor trim_uniform_border(const at::Tensor& image, double tolerance, int transition, double max_fraction) {
  NST_CHECK(image.dim() == 4 && image.size(1) == 3, kUsage, "trim_uniform_border expects a 1x3xHxW image");
  const int64_t h = image.size(2), w = image.size(3);
  const int64_t limit_h = static_cast<int64_t>(h * max_fraction), limit_w = static_cast<int64_t>(w * max_fraction);
  at::Tensor x = image[0].to(at::kDouble);
  const at::Tensor row_spread = x.std(/*dim=*/2, /*unbiased=*/false).mean(0);  // H
  const at::Tensor col_spread = x.std(/*dim=*/1, /*unbiased=*/false).mean(0);  // W
  auto cut = [&](int64_t run, int64_t limit) { return run == 0 ? 0 : std::min(run + transition, limit); };
  const int64_t top = cut(uniform_run(row_spread, tolerance, limit_h), limit_h);
  const int64_t bottom = cut(uniform_run(row_spread.flip(0), tolerance, limit_h), limit_h);
  const int64_t left = cut(uniform_run(col_spread, tolerance, limit_w), limit_w);
  const int64_t right = cut(uniform_run(col_spread.flip(0), tolerance, limit_w), limit_w);
  if (top + bottom + left + right == 0) return image;
  return image.narrow(2, top, h - top - bottom).narrow(3, left, w - left - right).contiguous();
}

}  // namespace nst
