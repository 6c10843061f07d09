#include "pipelines/style_objective.h"

#include <torch/csrc/autograd/autograd.h>

#include <utility>

#include "nst/error.h"
#include "nst/losses.h"
#include "pipelines/masked_style_term.h"
#include "pipelines/style_blend.h"
#include "pipelines/temporal_targets.h"

namespace nst::detail {
namespace {

/// What a style's features depend on besides its pixels: the StyleFeatureCache key.
std::string feature_setup(const FeatureNet& net, const StyleOptions& o) {
  std::string key = net.weights().source + "|" + to_string(net.weights().arch) + "|" + to_string(net.precision()) +
                    "|" + to_string(o.pooling) + "|" + o.device + "|";
  for (const auto& layer : net.requested_layers()) key += layer + ",";
  return key;
}

}  // namespace

StyleObjective::StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                               const StyleOptions& options, StyleFeatureCache* style_features)
    : net_(net), options_(options) {
  const auto& style_layers = options.style_layers;
  NST_CHECK(options.style_layer_weights.empty() || options.style_layer_weights.size() == style_layers.size(), kUsage,
            "--style-layer-weights has " + std::to_string(options.style_layer_weights.size()) + " values for " +
                std::to_string(style_layers.size()) + " style layers");
  for (size_t i = 0; i < style_layers.size(); ++i) {
    layer_weights_[style_layers[i]] =
        options.style_layer_weights.empty() ? 1.0 / style_layers.size() : options.style_layer_weights[i];
  }
  const std::vector<double> shares = style_blend_shares(options.style_blend, styles.size());
  temporal_ = fit_temporal_targets(options.temporal, content);  // at this scale's size
  if (!options.style_masks.empty()) {  // resampled to this scale's size
    masked_ = std::make_unique<MaskedStyleTerm>(options.style_masks, shares, content.size(2), content.size(3),
                                                options.style_loss, content.device());
  }

  at::NoGradGuard no_grad;
  if (options.content_weight != 0 && !options.content_layers.empty()) {
    auto features = net_.forward(content);
    for (const auto& name : options.content_layers) content_targets_[name] = features.at(name).detach().clone();
  }
  if (options.style_weight != 0) {
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> moments;  // kMeanCov: blended μ, E[ffᵀ]
    for (size_t s = 0; s < styles.size(); ++s) {
      auto forward = [&] {
        std::map<std::string, at::Tensor> kept;  // only the style layers: content layers are not read here
        auto all = net_.forward(styles[s]);
        for (const auto& name : style_layers) kept[name] = all.at(name).detach();
        return kept;
      };
      auto features = style_features ? style_features->features(styles[s], feature_setup(net_, options), forward) : forward();
      const double share = shares[s];
      for (const auto& name : style_layers) {
        const at::Tensor& f = features.at(name);
        has_style_ = true;
        if (masked_) {
          masked_->add_style(s, name, f);
          continue;
        }
        switch (options.style_loss) {
          case StyleLoss::kGram: {
            at::Tensor g = gram_matrix(f) * share;
            auto it = style_targets_.find(name);
            if (it == style_targets_.end()) {
              style_targets_[name] = g;
            } else {
              it->second += g;
            }
            break;
          }
          case StyleLoss::kMeanCov: {
            auto [mean, second] = feature_moments(f.to(at::kDouble));
            auto it = moments.find(name);
            if (it == moments.end()) {
              moments[name] = {mean * share, second * share};
            } else {
              it->second.first += mean * share;
              it->second.second += second * share;
            }
            break;
          }
          case StyleLoss::kSlicedWasserstein: {
            Sliced& sl = sliced_[name];
            sl.style_features.push_back(f.reshape({f.size(1), -1}).detach().clone());
            sl.blend.push_back(share);
            break;
          }
        }
      }
    }
    for (const auto& [name, m] : moments) mean_cov_targets_[name] = mean_cov_target(m.first, m.second);
    if (options.style_loss == StyleLoss::kSlicedWasserstein) redraw_directions(0);
  }
}

StyleObjective::~StyleObjective() = default;

void StyleObjective::redraw_directions(uint64_t round) {
  // One stream per (seed, round, layer): layers never share directions, runs repeat exactly.
  uint64_t layer_index = 0;
  for (auto& [name, sl] : sliced_) {
    const int64_t channels = sl.style_features.front().size(0);
    const int64_t count = options_.sliced_directions > 0 ? options_.sliced_directions : channels;
    const uint64_t stream = options_.seed * 0x9E3779B97F4A7C15ull + round * 1000003ull + layer_index++;
    sl.directions = random_directions(channels, count, stream).to(sl.style_features.front().device());
    sl.target = at::Tensor();  // rebuilt for the image's size at the next evaluation
  }
}

at::Tensor StyleObjective::style_term(const std::string& name, const at::Tensor& features) {
  if (masked_) return (*masked_)(name, features);
  switch (options_.style_loss) {
    case StyleLoss::kGram: return style_loss(features, style_targets_.at(name));
    case StyleLoss::kMeanCov: return mean_cov_loss(features, mean_cov_targets_.at(name));
    case StyleLoss::kSlicedWasserstein: {
      Sliced& sl = sliced_.at(name);
      const int64_t n = features.size(2) * features.size(3);
      if (!sl.target.defined() || sl.target.size(1) != n) {
        // The blend's mixture: every style's projected samples, each weighing share / M_s.
        at::NoGradGuard no_grad;
        std::vector<at::Tensor> values, weights;
        for (size_t s = 0; s < sl.style_features.size(); ++s) {
          const at::Tensor& f = sl.style_features[s];
          values.push_back(at::mm(sl.directions.to(f.scalar_type()), f));
          weights.push_back(at::full({f.size(1)}, sl.blend[s] / static_cast<double>(f.size(1)),
                                     f.options().dtype(at::kDouble)));
        }
        sl.target = weighted_quantiles(at::cat(values, 1), at::cat(weights), n).to(features.scalar_type());
      }
      return sliced_wasserstein_loss(features, sl.directions, sl.target);
    }
  }
  return {};
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
    for (const auto& [name, layer_weight] : layer_weights_) {
      if (!has_style_) break;
      at::Tensor term = options_.style_weight * layer_weight * style_term(name, features.at(name));
      parts_["style:" + name] = term.item<double>();
      total = total + term;
    }
  }
  if (options_.tv_weight != 0) {
    at::Tensor term = options_.tv_weight * tv_loss(image, 2.0, options_.tv_wrap);
    parts_["tv"] = term.item<double>();
    total = total + term;
  }
  for (size_t i = 0; i < temporal_.size(); ++i) {
    const TemporalTarget& t = temporal_[i];
    at::Tensor term = t.weight * temporal_loss(image, t.image, t.mask);
    parts_[temporal_part_name(i)] = term.item<double>();
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
