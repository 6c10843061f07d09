#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {
namespace {

// G = F Fᵀ / n with F the CxHW features. Autograd's mm backward would take two GEMMs
// (gG·F and gGᵀ·F) and add two feature-sized results; as G is a product of F with itself,
// grad_F = ((gG + gGᵀ)/n) · F is one GEMM, written in the features' own memory format
// (channels_last from the network) so that nothing downstream converts it.
struct GramFunction : torch::autograd::Function<GramFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& features) {
    const int64_t c = features.size(1), hw = features.size(2) * features.size(3);
    ctx->save_for_backward({features});
    at::Tensor f = features.reshape({c, hw});
    return at::mm(f, f.t()) / double(c * hw);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const at::Tensor features = ctx->get_saved_variables()[0];
    const int64_t c = features.size(1), hw = features.size(2) * features.size(3);
    const at::Tensor& g = grads[0];
    const at::Tensor symmetric = (g + g.t()) / double(c * hw);  // CxC: cheap
    if (at::GradMode::is_enabled()) {  // create_graph: differentiable ops (out= variants are not)
      return {at::mm(symmetric, features.reshape({c, hw})).view(features.sizes())};
    }
    at::Tensor grad = at::empty_like(features);                 // keeps a dense input's strides
    at::Tensor flat = grad.view({c, hw});                       // (HW,1) or, channels_last, (1,C) strides
    at::mm_out(flat, symmetric, features.reshape({c, hw}));
    return {grad};
  }
};

}  // namespace

at::Tensor gram_matrix(const at::Tensor& features) {
  NST_CHECK(features.dim() == 4 && features.size(0) == 1, kUsage, "gram_matrix expects 1xCxHxW features");
  return GramFunction::apply(features);
}

at::Tensor style_loss(const at::Tensor& features, const at::Tensor& target_gram) {
  return at::mse_loss(gram_matrix(features), target_gram);
}

}  // namespace nst
