#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {

at::Tensor temporal_loss(const at::Tensor& image, const at::Tensor& target, const at::Tensor& mask) {
  NST_CHECK(image.dim() == 4 && target.sizes().equals(image.sizes()), kUsage,
            "temporal loss: the warped target must have the image's shape");
  NST_CHECK(mask.dim() == 4 && mask.size(1) == 1 && mask.size(2) == image.size(2) && mask.size(3) == image.size(3),
            kUsage, "temporal loss: the mask must be 1x1xHxW at the image's size");
  // Mean over pixels and channels (Ruder et al.'s 1/D), so the weight means the same at every
  // size; the mask broadcasts over the channels.
  const at::Tensor diff = image - target;
  return (mask * diff * diff).mean();
}

}  // namespace nst
