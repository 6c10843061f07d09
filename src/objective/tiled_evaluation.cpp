// The tiled evaluation of a StyleObjective, generic over its terms. Pass 1 sums every feature
// term's statistics over the tile cores (no gradients); the totals become leaves, each term's
// loss is computed from them and autograd gives dL/dS. Pass 2 runs each tile again with
// gradients: the surrogate Σ <dL/dS, S_tile(features)> has, w.r.t. the tile's features, the
// whole-image loss's gradient restricted to the core (the statistics are sums over positions),
// and the crops' input gradients add up. Image-space terms evaluate on the whole image.
#include <torch/csrc/autograd/autograd.h>

#include "objective/style_objective.h"

namespace nst::detail {

double StyleObjective::evaluate_tiled(const at::Tensor& x, at::Tensor& grad) {
  parts_.clear();
  const size_t count = terms_.size();
  std::vector<Statistics> totals(count);
  for_each_core(x, [&](const CoreFeatures& core) {
    for (size_t i = 0; i < count; ++i) {
      if (terms_[i]->layers().empty()) continue;
      const Statistics s = terms_[i]->accumulate(core);
      if (totals[i].empty()) {
        totals[i] = s;
      } else {
        for (size_t j = 0; j < s.size(); ++j) totals[i][j] += s[j];
      }
    }
  });

  double total = 0;
  std::vector<Statistics> pulls(count);  // dL/dS per term and statistic (undefined: no gradient)
  {
    at::AutoGradMode stats_grad(true);
    for (size_t i = 0; i < count; ++i) {
      if (totals[i].empty()) continue;
      Statistics leaves;
      for (const at::Tensor& s : totals[i]) leaves.push_back(s.detach().requires_grad_(true));
      const at::Tensor loss = terms_[i]->loss_from(leaves);
      const double value = loss.item<double>();
      parts_[terms_[i]->name()] = value;
      total += value;
      if (!loss.requires_grad()) continue;
      pulls[i] = torch::autograd::grad({loss}, leaves, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    }
  }

  at::AutoGradMode enable_grad(true);
  if (grad.defined() && grad.sizes().equals(x.sizes()) && grad.options().type_equal(x.options())) {
    grad.zero_();  // the caller's buffer: a second image-sized gradient costs 0.8 GB at 8192²
  } else {
    grad = at::zeros_like(x);
  }
  for (const Tile& t : make_tiles(x.size(2), x.size(3), tile_size_, geometry_)) {
    at::Tensor crop = crop_of(x, t).detach().clone().requires_grad_(true);
    const Features features = net_.forward(crop);
    const CoreFeatures core(features, t, x.size(2), x.size(3));
    at::Tensor surrogate;
    for (size_t i = 0; i < count; ++i) {
      if (pulls[i].empty()) continue;
      const Statistics s = terms_[i]->accumulate(core);
      for (size_t j = 0; j < s.size(); ++j) {
        if (!pulls[i][j].defined() || !s[j].requires_grad()) continue;  // constants (counts, mask areas)
        const at::Tensor inner = (pulls[i][j] * s[j]).sum();
        surrogate = surrogate.defined() ? surrogate + inner : inner;
      }
    }
    if (!surrogate.defined()) continue;
    crop_of(grad, t).add_(torch::autograd::grad({surrogate}, {crop})[0]);
  }
  for (const auto& term : terms_) {
    if (!term->layers().empty()) continue;
    const double value = term->add_image_term(x, grad);
    parts_[term->name()] = value;
    total += value;
  }
  return total;
}

}  // namespace nst::detail
