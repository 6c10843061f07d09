#include <ATen/ATen.h>

#include "nst/losses.h"

namespace nst {

at::Tensor alpha_norm_loss(const at::Tensor& image, double alpha, double centre) {
  // |d|^α has the gradient α |d|^(α−1) sign(d), finite at d = 0 for α >= 1.
  return (image - centre).abs().pow(alpha).mean();
}

}  // namespace nst
