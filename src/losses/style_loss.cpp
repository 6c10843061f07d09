#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {

at::Tensor gram_matrix(const at::Tensor& features) {
  NST_CHECK(features.dim() == 4 && features.size(0) == 1, kUsage, "gram_matrix expects 1xCxHxW features");
  const int64_t c = features.size(1), hw = features.size(2) * features.size(3);
  at::Tensor f = features.reshape({c, hw});
  return at::mm(f, f.t()) / double(c * hw);
}

at::Tensor style_loss(const at::Tensor& features, const at::Tensor& target_gram) {
  return at::mse_loss(gram_matrix(features), target_gram);
}

}  // namespace nst
