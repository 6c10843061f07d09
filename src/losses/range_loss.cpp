#include <ATen/ATen.h>

#include "nst/losses.h"

namespace nst {

at::Tensor range_loss(const at::Tensor& image, double lower, double upper) {
  const at::Tensor outside = image - image.clamp(lower, upper);  // 0 inside, the excess outside
  return (outside * outside).mean();
}

}  // namespace nst
