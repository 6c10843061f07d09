// Masked style statistics for spatial control (Gatys et al. 2017): a style's Gram matrix (or
// mean and second moment) taken over its own region of the image only.
#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {

std::pair<at::Tensor, at::Tensor> masked_feature_moments(const at::Tensor& features, const at::Tensor& mask) {
  NST_CHECK(features.dim() == 4 && features.size(0) == 1, kUsage, "masked statistics expect 1xCxHxW features");
  NST_CHECK(mask.dim() == 4 && mask.size(0) == 1 && mask.size(1) == 1 && mask.size(2) == features.size(2) &&
                mask.size(3) == features.size(3),
            kUsage, "a style mask must be 1x1xHxW on the features' grid");
  const int64_t c = features.size(1), n = features.size(2) * features.size(3);
  const at::Tensor f = features.reshape({c, n});
  const at::Tensor m = mask.reshape({1, n}).to(features.scalar_type());
  // Clamped so that an empty region gives zero statistics rather than NaN; the objective weighs
  // a region by its area, so an empty one contributes nothing either way.
  const at::Tensor area = m.sum().clamp_min(1e-12);
  const at::Tensor fm = f * m;
  return {fm.sum(1) / area, at::mm(fm, f.t()) / area};
}

at::Tensor masked_gram(const at::Tensor& features, const at::Tensor& mask) {
  return masked_feature_moments(features, mask).second / static_cast<double>(features.size(1));
}

}  // namespace nst
