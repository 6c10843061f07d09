#include "objective/term.h"

#include <torch/csrc/autograd/autograd.h>

namespace nst::detail {

double Term::add_image_term(const at::Tensor& x, at::Tensor& grad) {
  at::AutoGradMode enable_grad(true);
  at::Tensor image = x.detach().requires_grad_(true);
  const at::Tensor value = loss({}, image);
  if (value.requires_grad()) grad.add_(torch::autograd::grad({value}, {image})[0]);
  return value.item<double>();
}

}  // namespace nst::detail
