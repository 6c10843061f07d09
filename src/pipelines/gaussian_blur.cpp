#include "pipelines/gaussian_blur.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nst/error.h"

namespace nst::detail {
namespace {

// Normalized 1-D kernel of the given radius, as a tensor of x's dtype and device.
at::Tensor kernel_1d(double sigma, int64_t radius, const at::Tensor& like) {
  std::vector<double> taps(static_cast<size_t>(2 * radius + 1));
  double sum = 0;
  for (int64_t i = -radius; i <= radius; ++i) {
    const double v = std::exp(-0.5 * double(i * i) / (sigma * sigma));
    taps[static_cast<size_t>(i + radius)] = v;
    sum += v;
  }
  for (double& v : taps) v /= sum;
  return at::tensor(taps, at::kDouble).to(like.options().requires_grad(false));
}

// One pass along dimension `dim` (2 = rows, 3 = columns) as a depthwise convolution.
at::Tensor blur_along(const at::Tensor& x, double sigma, int dim) {
  const int64_t size = x.size(dim);
  // Reflect padding needs pad < size; a 1-px side has nothing to blur.
  const int64_t radius = std::min<int64_t>(static_cast<int64_t>(std::ceil(3 * sigma)), size - 1);
  if (radius <= 0) return x;
  const int64_t channels = x.size(1);
  at::Tensor k = kernel_1d(sigma, radius, x);
  const int64_t taps = 2 * radius + 1;
  const bool rows = dim == 2;
  at::Tensor weight = k.view(rows ? at::IntArrayRef{1, 1, taps, 1} : at::IntArrayRef{1, 1, 1, taps})
                          .expand(rows ? at::IntArrayRef{channels, 1, taps, 1} : at::IntArrayRef{channels, 1, 1, taps})
                          .contiguous();
  at::Tensor padded = at::reflection_pad2d(x, rows ? at::IntArrayRef{0, 0, radius, radius}
                                                   : at::IntArrayRef{radius, radius, 0, 0});
  const std::vector<int64_t> one{1, 1}, zero{0, 0};
  return at::conv2d(padded, weight, at::Tensor(), one, zero, one, channels);
}

}  // namespace

at::Tensor gaussian_blur(const at::Tensor& image, double sigma) {
  NST_CHECK(image.dim() == 4, kUsage, "gaussian_blur expects a 1xCxHxW tensor");
  NST_CHECK(std::isfinite(sigma), kUsage, "blur sigma must be finite");
  if (sigma <= 0) return image.clone();
  at::Tensor x = image.contiguous();
  return blur_along(blur_along(x, sigma, 2), sigma, 3).contiguous();
}

}  // namespace nst::detail
