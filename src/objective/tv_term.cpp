#include "objective/tv_term.h"

#include <torch/csrc/autograd/autograd.h>

#include <algorithm>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst::detail {

at::Tensor TvTerm::loss(const Features& /*features*/, const at::Tensor& image) {
  return weight_ * tv_loss(image, 2.0, wrap_);
}

double TvTerm::add_image_term(const at::Tensor& x, at::Tensor& grad) { return add_banded_tv(x, weight_, band_, grad); }

double add_banded_tv(const at::Tensor& x, double weight, int64_t band, at::Tensor& grad) {
  const int64_t h = x.size(2), w = x.size(3);
  NST_CHECK(h >= 2 && w >= 2, kUsage, "total variation needs an image of at least 2x2 px");
  at::AutoGradMode enable_grad(true);
  const double pairs = static_cast<double>(h - 1) * static_cast<double>(w - 1);
  double total = 0;
  for (int64_t r0 = 0; r0 < h - 1; r0 += band) {
    const int64_t rows = std::min(band, h - 1 - r0);  // difference rows r0 .. r0+rows-1
    // rows+1 image rows: the band's vertical differences reach one row below it.
    at::Tensor slice = x.narrow(2, r0, rows + 1).detach().clone().requires_grad_(true);
    at::Tensor term = tv_loss(slice) * (weight * static_cast<double>(rows) * static_cast<double>(w - 1) / pairs);
    total += term.item<double>();
    grad.narrow(2, r0, rows + 1).add_(torch::autograd::grad({term}, {slice})[0]);
  }
  return total;
}

}  // namespace nst::detail
