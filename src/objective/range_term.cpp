#include "objective/range_term.h"

#include "nst/losses.h"

namespace nst::detail {

at::Tensor RangeTerm::loss(const Features& /*features*/, const at::Tensor& image) { return weight_ * range_loss(image); }

double RangeTerm::add_image_term(const at::Tensor& x, at::Tensor& grad) {
  const at::Tensor outside = x - x.clamp(0.0, 1.0);
  const double scale = weight_ / static_cast<double>(x.numel());
  grad.add_(outside, 2 * scale);
  return scale * (outside * outside).sum().item<double>();
}

}  // namespace nst::detail
