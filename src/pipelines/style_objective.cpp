#include "pipelines/style_objective.h"

#include <torch/csrc/autograd/autograd.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst::detail {

StyleObjective::StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                               const StyleOptions& options)
    : net_(net), options_(options) {
  const auto& style_layers = options.style_layers;
  NST_CHECK(options.style_layer_weights.empty() || options.style_layer_weights.size() == style_layers.size(), kUsage,
            "--style-layer-weights has " + std::to_string(options.style_layer_weights.size()) + " values for " +
                std::to_string(style_layers.size()) + " style layers");
  for (size_t i = 0; i < style_layers.size(); ++i) {
    layer_weights_[style_layers[i]] =
        options.style_layer_weights.empty() ? 1.0 / style_layers.size() : options.style_layer_weights[i];
  }
  std::vector<double> blend = options.style_blend;
  if (blend.empty()) blend.assign(styles.size(), 1.0);
  NST_CHECK(blend.size() == styles.size(), kUsage,
            "--style-blend has " + std::to_string(blend.size()) + " weights for " + std::to_string(styles.size()) +
                " style images");
  double blend_sum = 0;
  for (double b : blend) {
    NST_CHECK(b >= 0, kUsage, "style blend weights must be non-negative");
    blend_sum += b;
  }
  NST_CHECK(blend_sum > 0 || styles.empty(), kUsage, "style blend weights sum to zero");

  at::NoGradGuard no_grad;
  if (options.content_weight != 0 && !options.content_layers.empty()) {
    auto features = net_.forward(content);
    for (const auto& name : options.content_layers) content_targets_[name] = features.at(name).detach().clone();
  }
  if (options.style_weight != 0) {
    for (size_t s = 0; s < styles.size(); ++s) {
      auto features = net_.forward(styles[s]);
      for (const auto& name : style_layers) {
        at::Tensor g = gram_matrix(features.at(name)) * (blend[s] / blend_sum);
        auto it = style_targets_.find(name);
        if (it == style_targets_.end()) {
          style_targets_[name] = g;
        } else {
          it->second += g;
        }
      }
    }
  }
}

double StyleObjective::operator()(const at::Tensor& x, at::Tensor& grad) {
  at::AutoGradMode enable_grad(true);  // optimizers may call us under a NoGradGuard
  at::Tensor image = x.detach().requires_grad_(true);
  at::Tensor total = at::zeros({}, x.options());
  parts_.clear();
  {
    auto features = net_.forward(image);
    for (const auto& [name, target] : content_targets_) {
      at::Tensor term = options_.content_weight * content_loss(features.at(name), target);
      parts_["content:" + name] = term.item<double>();
      total = total + term;
    }
    for (const auto& [name, target] : style_targets_) {
      at::Tensor term = options_.style_weight * layer_weights_.at(name) * style_loss(features.at(name), target);
      parts_["style:" + name] = term.item<double>();
      total = total + term;
    }
  }
  if (options_.tv_weight != 0) {
    at::Tensor term = options_.tv_weight * tv_loss(image);
    parts_["tv"] = term.item<double>();
    total = total + term;
  }
  if (options_.bounds == BoundsMethod::kPenalty && options_.range_weight != 0) {
    at::Tensor term = options_.range_weight * range_loss(image);
    parts_["range"] = term.item<double>();
    total = total + term;
  }
  const double value = total.item<double>();
  if (!total.requires_grad()) {  // nothing depends on x (all weights zero)
    grad = at::zeros_like(x);
    return value;
  }
  grad = torch::autograd::grad({total}, {image})[0];
  return value;
}

}  // namespace nst::detail
