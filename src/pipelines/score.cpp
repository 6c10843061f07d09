// The judge (nst score): relative Gram and feature distances under a network the optimizer did
// not see, normalized by what the content photo and the style image themselves score, so the
// numbers mean the same for every content/style pair.
#include "nst/score.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/losses.h"
#include "pipelines/style_blend.h"

namespace nst {

VggWeights default_judge_weights(const ScoreOptions& options, const std::string& network_cache_dir) {
  EmbeddedNetOptions net;
  net.cache_dir = network_cache_dir;
  net.seed = options.judge_seed;
  net.arch = options.arch;
  net.padding = Padding::kReflect;  // fixed, whatever the style network's default: scores stay comparable
  return make_embedded_vgg(net);
}

namespace {

void check_image(const at::Tensor& image, const std::string& what) {
  NST_CHECK(image.defined() && image.dim() == 4 && image.size(0) == 1 && image.size(1) == 3, kUsage,
            what + " must be a 1x3xHxW RGB tensor");
}

// Normalized per-layer weights: empty = equal.
std::vector<double> layer_weights(const std::vector<double>& given, size_t layers, const std::string& what) {
  NST_CHECK(given.empty() || given.size() == layers, kUsage,
            what + " layer weights: " + std::to_string(given.size()) + " values for " + std::to_string(layers) +
                " layers");
  if (given.empty()) return std::vector<double>(layers, 1.0 / static_cast<double>(layers));
  double sum = 0;
  for (double w : given) {
    NST_CHECK(std::isfinite(w) && w >= 0, kUsage, what + " layer weights must be finite and >= 0");
    sum += w;
  }
  NST_CHECK(sum > 0, kUsage, what + " layer weights sum to zero");
  std::vector<double> out;
  for (double w : given) out.push_back(w / sum);
  return out;
}

// ‖a − b‖² / ‖b‖², summed in double.
double relative_distance(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor bd = b.to(at::kDouble);
  const double norm = bd.pow(2).sum().item<double>();
  const double diff = (a.to(at::kDouble) - bd).pow(2).sum().item<double>();
  return norm > 0 ? diff / norm : (diff > 0 ? INFINITY : 0.0);
}

}  // namespace

struct Judge::Impl {
  ScoreOptions options;
  std::unique_ptr<FeatureNet> net;
  int height = 0, width = 0;
  std::vector<double> style_weights, content_weights;
  std::map<std::string, at::Tensor> content_targets;  // F_l(C)
  std::map<std::string, at::Tensor> style_targets;    // blended G_l(S)
  std::map<std::string, at::Tensor> directions;       // P_l, C x C, fixed by options.sliced_seed
  std::map<std::string, at::Tensor> style_quantiles;  // Q_l, C x (H·W at the content's size)
  double style_baseline = 0, content_baseline = 0, sliced_baseline = 0;

  // The image at the content's size: resized only when its size differs, in the constructor's
  // baselines and in score() alike, so that the style image scores content = 1 exactly.
  at::Tensor at_content_size(const at::Tensor& image) const {
    const at::Tensor x = image.to(at::kFloat);
    return x.size(2) == height && x.size(3) == width ? x : resize_image(x, height, width);
  }

  // Raw distances of an image already at the content's size.
  ScoreResult distances(const at::Tensor& image) const {
    at::NoGradGuard no_grad;
    const auto features = net->forward(image.to(at::kFloat).contiguous());
    ScoreResult r;
    for (size_t i = 0; i < options.style_layers.size(); ++i) {
      const auto& name = options.style_layers[i];
      const double d = relative_distance(gram_matrix(features.at(name)), style_targets.at(name));
      r.style_layers[name] = d;
      r.style_distance += style_weights[i] * d;
      r.style_sliced_distance +=
          style_weights[i] * relative_distance(sorted_projections(features.at(name), directions.at(name)),
                                               style_quantiles.at(name));
    }
    for (size_t i = 0; i < options.content_layers.size(); ++i) {
      const auto& name = options.content_layers[i];
      const double d = relative_distance(features.at(name), content_targets.at(name));
      r.content_layers[name] = d;
      r.content_distance += content_weights[i] * d;
    }
    return r;
  }
};

Judge::Judge(VggWeights weights, const at::Tensor& content, const std::vector<at::Tensor>& given_styles,
             const ScoreOptions& options)
    : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = options;
  NST_CHECK(!given_styles.empty(), kUsage, "scoring needs at least one style image");
  NST_CHECK(!options.style_layers.empty() && !options.content_layers.empty(), kUsage,
            "scoring needs at least one style layer and one content layer");
  check_image(content, "the content image");
  for (const auto& s : given_styles) check_image(s, "a style image");
  std::vector<at::Tensor> styles;
  for (const auto& s : given_styles) styles.push_back(options.trim_style_borders ? trim_uniform_border(s) : s);
  const std::vector<double> shares = detail::style_blend_shares(options.style_blend, styles.size());
  m.style_weights = layer_weights(options.style_layer_weights, options.style_layers.size(), "style");
  m.content_weights = layer_weights(options.content_layer_weights, options.content_layers.size(), "content");

  std::vector<std::string> layers = options.content_layers;
  layers.insert(layers.end(), options.style_layers.begin(), options.style_layers.end());
  check_layer_names(weights.arch, layers);
  int min_side = 1;
  for (const auto& name : layers) min_side = std::max(min_side, min_image_side(name, weights.padding));
  auto check_size = [&](const at::Tensor& image, const std::string& what) {
    NST_CHECK(std::min(image.size(2), image.size(3)) >= min_side, kUsage,
              what + " is " + std::to_string(image.size(3)) + "x" + std::to_string(image.size(2)) +
                  " px, too small for the judge's layers: the shorter side needs at least " +
                  std::to_string(min_side) + " px");
  };
  check_size(content, "the content image");
  for (const auto& s : styles) check_size(s, "a style image");

  m.height = static_cast<int>(content.size(2));
  m.width = static_cast<int>(content.size(3));
  m.net = std::make_unique<FeatureNet>(std::move(weights), options.pooling, layers);

  at::NoGradGuard no_grad;
  const at::Tensor c = content.to(at::kFloat).contiguous();
  const auto content_features = m.net->forward(c);
  for (const auto& name : options.content_layers) m.content_targets[name] = content_features.at(name).clone();
  // Sliced targets: the styles' projections pooled into one weighted sample per layer (each
  // position of style s weighs share_s / its position count), read at the content's positions.
  std::map<std::string, std::vector<at::Tensor>> projected, sample_weights;
  for (size_t i = 0; i < options.style_layers.size(); ++i) {
    const auto& name = options.style_layers[i];
    m.directions[name] = random_directions(content_features.at(name).size(1), content_features.at(name).size(1),
                                           options.sliced_seed + i);
  }
  for (size_t s = 0; s < styles.size(); ++s) {
    const auto features = m.net->forward(styles[s].to(at::kFloat).contiguous());
    for (const auto& name : options.style_layers) {
      const at::Tensor p = sorted_projections(features.at(name), m.directions.at(name));
      projected[name].push_back(p);
      sample_weights[name].push_back(at::full({p.size(1)}, shares[s] / static_cast<double>(p.size(1)), at::kFloat));
      at::Tensor g = gram_matrix(features.at(name)) * shares[s];
      auto it = m.style_targets.find(name);
      if (it == m.style_targets.end()) {
        m.style_targets[name] = g;
      } else {
        it->second += g;
      }
    }
  }
  for (const auto& name : options.style_layers) {
    const at::Tensor& f = content_features.at(name);
    m.style_quantiles[name] =
        weighted_quantiles(at::cat(projected[name], 1), at::cat(sample_weights[name]), f.size(2) * f.size(3));
  }
  // Baselines through the same code path as score(), so the content scores style = 1 exactly.
  const ScoreResult of_content = m.distances(c);
  m.style_baseline = of_content.style_distance;
  m.sliced_baseline = of_content.style_sliced_distance;
  for (size_t s = 0; s < styles.size(); ++s) {
    m.content_baseline +=
        shares[s] * m.distances(m.at_content_size(styles[s])).content_distance;
  }
  NST_CHECK(m.style_baseline > 0 && m.sliced_baseline > 0 && m.content_baseline > 0, kUsage,
            "the judge cannot tell the content image from the style image: the scores would be 0/0");
}

Judge::~Judge() = default;
Judge::Judge(Judge&&) noexcept = default;
Judge& Judge::operator=(Judge&&) noexcept = default;

ScoreResult Judge::score(const at::Tensor& image) const {
  check_image(image, "the scored image");
  const Impl& m = *impl_;
  ScoreResult r = m.distances(m.at_content_size(image));
  r.style_baseline = m.style_baseline;
  r.content_baseline = m.content_baseline;
  r.style = r.style_distance / m.style_baseline;
  r.style_sliced_baseline = m.sliced_baseline;
  r.style_sliced = r.style_sliced_distance / m.sliced_baseline;
  r.content = r.content_distance / m.content_baseline;
  return r;
}

int Judge::height() const { return impl_->height; }
int Judge::width() const { return impl_->width; }
const VggWeights& Judge::weights() const { return impl_->net->weights(); }

ScoreResult score_image(const at::Tensor& image, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                        const ScoreOptions& options) {
  return score_image(default_judge_weights(options), image, content, styles, options);
}

ScoreResult score_image(const VggWeights& weights, const at::Tensor& image, const at::Tensor& content,
                        const std::vector<at::Tensor>& styles, const ScoreOptions& options) {
  return Judge(weights, content, styles, options).score(image);
}

}  // namespace nst
