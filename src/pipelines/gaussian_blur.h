#pragma once
// Separable Gaussian blur of images (1xCxHxW), reflect padding; used by feature inversion for
// blur-on-stall, the blurred init and the blurred PSNR.
#include <ATen/ATen.h>

namespace nst::detail {

/// Blurs a 1xCxHxW tensor with a Gaussian of standard deviation sigma (px), kernel radius
/// ceil(3 sigma) clipped to the image size minus one, reflect padding. sigma <= 0 returns a copy.
at::Tensor gaussian_blur(const at::Tensor& image, double sigma);

}  // namespace nst::detail
