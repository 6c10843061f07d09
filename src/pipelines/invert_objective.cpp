#include "pipelines/invert_objective.h"

#include <torch/csrc/autograd/autograd.h>

#include <algorithm>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst::detail {

InvertObjective::InvertObjective(const FeatureNet& net, const at::Tensor& target, const InvertOptions& options)
    : net_(net), options_(options), jitter_rng_(options.seed) {
  const auto& layers = options.layers;
  NST_CHECK(!layers.empty(), kUsage, "feature inversion needs at least one layer");
  NST_CHECK(options.layer_weights.empty() || options.layer_weights.size() == layers.size(), kUsage,
            "--layer-weights has " + std::to_string(options.layer_weights.size()) + " values for " +
                std::to_string(layers.size()) + " layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    weights_[layers[i]] = options.layer_weights.empty() ? 1.0 / layers.size() : options.layer_weights[i];
  }
  at::NoGradGuard no_grad;
  auto features = net_.forward(target);
  for (const auto& name : layers) {
    at::Tensor t = features.at(name).detach().clone();
    // A layer that is all zero on the target (dead ReLUs) falls back to a per-element mean.
    const double energy = t.pow(2).sum().item<double>();
    energies_[name] = energy > 0 ? energy : double(t.numel());
    targets_[name] = t;
  }
}

at::Tensor InvertObjective::feature_term(const std::map<std::string, at::Tensor>& features, bool record) {
  at::Tensor total;
  for (const auto& [name, target] : targets_) {
    at::Tensor term = (features.at(name) - target).pow(2).sum() * (weights_.at(name) / energies_.at(name));
    if (record) parts_["feature:" + name] = term.item<double>();
    total = total.defined() ? total + term : term;
  }
  return total;
}

double InvertObjective::operator()(const at::Tensor& x, at::Tensor& grad) {
  at::AutoGradMode enable_grad(true);  // optimizers may call us under a NoGradGuard
  at::Tensor image = x.detach().requires_grad_(true);
  parts_.clear();
  at::Tensor seen = image;
  if (options_.jitter > 0) {
    // The same shift for all features of this evaluation; roll is differentiable.
    std::uniform_int_distribution<int> shift(-options_.jitter, options_.jitter);
    const int dy = shift(jitter_rng_), dx = shift(jitter_rng_);
    seen = at::roll(image, {dy, dx}, {2, 3});
  }
  at::Tensor total = feature_term(net_.forward(seen), true);
  if (options_.tv_weight != 0) {
    at::Tensor term = options_.tv_weight * tv_loss(image, options_.tv_beta);
    parts_["tv"] = term.item<double>();
    total = total + term;
  }
  if (options_.alpha_weight != 0) {
    at::Tensor term = options_.alpha_weight * alpha_norm_loss(image, options_.alpha);
    parts_["alpha"] = term.item<double>();
    total = total + term;
  }
  const double value = total.item<double>();
  grad = torch::autograd::grad({total}, {image})[0];
  return value;
}

double InvertObjective::feature_loss(const at::Tensor& x) const {
  at::NoGradGuard no_grad;
  auto features = net_.forward(x);
  double total = 0;
  for (const auto& [name, target] : targets_) {
    total += (features.at(name) - target).pow(2).sum().item<double>() * weights_.at(name) / energies_.at(name);
  }
  return total;
}

}  // namespace nst::detail
