#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {

at::Tensor content_loss(const at::Tensor& features, const at::Tensor& target) {
  NST_CHECK(features.sizes() == target.sizes(), kUsage, "content target shape differs from the features");
  return at::mse_loss(features, target);
}

}  // namespace nst
