#include "pipelines/tiled_style_objective.h"

#include <torch/csrc/autograd/autograd.h>

#include <algorithm>

#include "nst/error.h"
#include "nst/losses.h"
#include "pipelines/style_blend.h"
#include "pipelines/temporal_targets.h"

namespace nst::detail {
namespace {

/// Pixels per feature position at a layer: 2^(poolings before it).
int64_t layer_stride(const std::string& name) {
  const int block = name[name.find_first_of("0123456789")] - '0';
  return int64_t{1} << (name[0] == 'p' ? block : block - 1);
}

int64_t round_up(int64_t n, int64_t step) { return (n + step - 1) / step * step; }

/// The part of a tile's feature map that belongs to its core.
at::Tensor core_of(const at::Tensor& features, const Tile& t, int64_t stride) {
  const int64_t fy0 = (t.y0 - t.cy0) / stride, fx0 = (t.x0 - t.cx0) / stride;
  // An interior core end is aligned; at the image end the map's own (floored) end is the core's.
  const int64_t fy1 = t.y1 == t.cy1 ? features.size(2) : (t.y1 - t.cy0) / stride;
  const int64_t fx1 = t.x1 == t.cx1 ? features.size(3) : (t.x1 - t.cx0) / stride;
  return features.narrow(2, fy0, std::max<int64_t>(0, fy1 - fy0)).narrow(3, fx0, std::max<int64_t>(0, fx1 - fx0));
}

/// The same region of a whole-image feature map (the content target).
at::Tensor whole_of(const at::Tensor& whole, const Tile& t, int64_t stride, const at::Tensor& core) {
  return whole.narrow(2, t.y0 / stride, core.size(2)).narrow(3, t.x0 / stride, core.size(3));
}

at::Tensor crop_of(const at::Tensor& image, const Tile& t) {
  return image.narrow(2, t.cy0, t.cy1 - t.cy0).narrow(3, t.cx0, t.cx1 - t.cx0);
}

}  // namespace

TileGeometry tile_geometry(VggArch arch, const std::vector<std::string>& layers) {
  const auto all = layer_names(arch);
  size_t deepest = 0;
  for (const auto& n : layers) deepest = std::max(deepest, size_t(std::find(all.begin(), all.end(), n) - all.begin()));
  // Output position p at stride d sees input [p·d − left, p·d − left + rf − 1].
  int64_t left = 0, rf = 1, jump = 1;
  for (size_t i = 0; i <= deepest && i < all.size(); ++i) {
    if (all[i][0] == 'c') {
      left += jump;
      rf += 2 * jump;
    } else if (all[i][0] == 'p') {
      rf += jump;
      jump *= 2;
    }
  }
  const int64_t right = rf - 1 - left - jump;  // past the last input pixel of the core's last position
  TileGeometry g;
  g.align = jump;
  g.halo = round_up(std::max<int64_t>({left, right, 1}), jump);
  return g;
}

std::vector<Tile> make_tiles(int64_t height, int64_t width, int64_t tile, const TileGeometry& g) {
  NST_CHECK(tile > 0, kUsage, "tile size must be positive");
  const int64_t step = round_up(tile, g.align);
  std::vector<Tile> tiles;
  for (int64_t y = 0; y < height; y += step) {
    for (int64_t x = 0; x < width; x += step) {
      Tile t{y, std::min(height, y + step), x, std::min(width, x + step), 0, 0, 0, 0};
      t.cy0 = std::max<int64_t>(0, y - g.halo);
      t.cy1 = std::min(height, t.y1 + g.halo);
      t.cx0 = std::max<int64_t>(0, x - g.halo);
      t.cx1 = std::min(width, t.x1 + g.halo);
      tiles.push_back(t);
    }
  }
  return tiles;
}

double add_banded_tv(const at::Tensor& x, double weight, int64_t band, at::Tensor& grad) {
  const int64_t h = x.size(2), w = x.size(3);
  NST_CHECK(h >= 2 && w >= 2, kUsage, "total variation needs an image of at least 2x2 px");
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

TiledStyleObjective::TiledStyleObjective(const FeatureNet& net, const at::Tensor& content,
                                         const std::vector<at::Tensor>& styles, const StyleOptions& options)
    : net_(net), options_(options), geometry_(tile_geometry(net.weights().arch, net.requested_layers())) {
  NST_CHECK(options.tile_size > 0, kUsage, "tiled objective without a tile size");
  NST_CHECK(!options.tv_wrap, kUsage, "a TV term that wraps around (tileable) needs the whole image: drop --tile-size");
  NST_CHECK(options.style_loss != StyleLoss::kSlicedWasserstein, kUsage,
            "--style-loss sliced-wasserstein sorts whole-image projections and cannot be tiled: drop --tile-size");
  const auto& style_layers = options.style_layers;
  for (size_t i = 0; i < style_layers.size(); ++i) {
    layer_weights_[style_layers[i]] =
        options.style_layer_weights.empty() ? 1.0 / style_layers.size() : options.style_layer_weights[i];
  }
  const std::vector<double> shares = style_blend_shares(options.style_blend, styles.size());
  temporal_ = fit_temporal_targets(options.temporal, content);

  at::NoGradGuard no_grad;
  if (options.content_weight != 0) {
    // Whole-image content features, assembled from the tiles' cores.
    for (const Tile& t : make_tiles(content.size(2), content.size(3), options.tile_size, geometry_)) {
      auto features = net_.forward(crop_of(content, t));
      for (const auto& name : options.content_layers) {
        const int64_t stride = layer_stride(name);
        at::Tensor core = core_of(features.at(name), t, stride);
        auto it = content_targets_.find(name);
        if (it == content_targets_.end()) {
          const at::Tensor& f = features.at(name);
          it = content_targets_
                   .emplace(name, at::zeros({1, f.size(1), content.size(2) / stride, content.size(3) / stride},
                                            f.options()))
                   .first;
        }
        whole_of(it->second, t, stride, core).copy_(core);
      }
    }
    for (const auto& [name, target] : content_targets_) content_sizes_[name] = target.numel();
  }
  if (options.style_weight != 0) {
    std::map<std::string, std::pair<at::Tensor, at::Tensor>> moments;  // kMeanCov: blended μ, E[ffᵀ]
    for (size_t s = 0; s < styles.size(); ++s) {
      Sums sums = accumulate(styles[s], /*with_content=*/false);
      for (const auto& name : style_layers) {
        if (options.style_loss == StyleLoss::kMeanCov) {
          const double n = static_cast<double>(sums.positions.at(name)), share = shares[s];
          at::Tensor mean = sums.sum.at(name).to(at::kDouble) / n * share;
          at::Tensor second = sums.gram.at(name).to(at::kDouble) / n * share;
          auto it = moments.find(name);
          if (it == moments.end()) {
            moments[name] = {mean, second};
          } else {
            it->second.first += mean;
            it->second.second += second;
          }
          continue;
        }
        const at::Tensor& g = sums.gram.at(name);
        at::Tensor gram = g / static_cast<double>(g.size(0) * sums.positions.at(name)) * shares[s];
        auto it = style_targets_.find(name);
        if (it == style_targets_.end()) {
          style_targets_[name] = gram;
        } else {
          it->second += gram;
        }
      }
    }
    for (const auto& [name, m] : moments) mean_cov_targets_[name] = mean_cov_target(m.first, m.second);
  }
}

size_t TiledStyleObjective::tile_count(int64_t height, int64_t width) const {
  return make_tiles(height, width, options_.tile_size, geometry_).size();
}

TiledStyleObjective::Sums TiledStyleObjective::accumulate(const at::Tensor& image, bool with_content) const {
  at::NoGradGuard no_grad;
  Sums sums;
  for (const Tile& t : make_tiles(image.size(2), image.size(3), options_.tile_size, geometry_)) {
    auto features = net_.forward(crop_of(image, t));
    for (const auto& name : options_.style_layers) {
      at::Tensor core = core_of(features.at(name), t, layer_stride(name));
      at::Tensor f = core.reshape({core.size(1), -1});
      at::Tensor ffT = at::mm(f, f.t());
      auto it = sums.gram.find(name);
      if (it == sums.gram.end()) {
        sums.gram[name] = ffT;
      } else {
        it->second += ffT;
      }
      sums.positions[name] += f.size(1);
      if (options_.style_loss == StyleLoss::kMeanCov) {
        at::Tensor column_sum = f.sum(1);
        auto s = sums.sum.find(name);
        if (s == sums.sum.end()) {
          sums.sum[name] = column_sum;
        } else {
          s->second += column_sum;
        }
      }
    }
    if (!with_content) continue;
    for (const auto& [name, target] : content_targets_) {
      const int64_t stride = layer_stride(name);
      at::Tensor core = core_of(features.at(name), t, stride);
      sums.content[name] += (core - whole_of(target, t, stride, core)).pow(2).sum().item<double>();
    }
  }
  return sums;
}

double TiledStyleObjective::operator()(const at::Tensor& x, at::Tensor& grad) {
  parts_.clear();
  double total = 0;
  // Pass 1: whole-image statistics (Gram sums, content error) without gradients.
  Sums sums = accumulate(x, /*with_content=*/true);
  std::map<std::string, at::Tensor> pull;  // M_l: the style gradient is 2·M_l·F (M symmetric)
  for (const auto& [name, target] : style_targets_) {
    const int64_t channels = target.size(0);
    const double n = static_cast<double>(channels * sums.positions.at(name));
    at::Tensor diff = sums.gram.at(name) / n - target;
    const double w = options_.style_weight * layer_weights_.at(name);
    const double term = w * diff.pow(2).mean().item<double>();
    parts_["style:" + name] = term;
    total += term;
    // L = w·mean((G − A)²), G = F Fᵀ / n  ⇒  ∂L/∂F = 2·(2w (G − A) / C²)·F / n.
    pull[name] = diff * (2.0 * w / static_cast<double>(channels * channels) / n);
  }
  std::map<std::string, at::Tensor> pull_mean;  // kMeanCov: the gradient's part m_l 1ᵀ
  for (const auto& [name, target] : mean_cov_targets_) {
    // L(μ, S), μ = ΣF/n, S = ΣF Fᵀ/n: autograd on the two small statistics gives ∂L/∂μ and
    // ∂L/∂S; then ∂L/∂F = (∂L/∂μ / n) 1ᵀ + (∂L/∂S + ∂L/∂Sᵀ)/n · F, pulled back per tile below.
    at::AutoGradMode stats_grad(true);
    const double n = static_cast<double>(sums.positions.at(name));
    const double w = options_.style_weight * layer_weights_.at(name);
    at::Tensor mean = (sums.sum.at(name).to(at::kDouble) / n).requires_grad_(true);
    at::Tensor second = (sums.gram.at(name).to(at::kDouble) / n).requires_grad_(true);
    at::Tensor loss = mean_cov_loss_from_moments(mean, second, target) * w;
    const double term = loss.item<double>();
    parts_["style:" + name] = term;
    total += term;
    auto g = torch::autograd::grad({loss}, {mean, second});
    pull_mean[name] = (g[0] / n).to(x.scalar_type());
    pull[name] = (g[1] / n).to(x.scalar_type());  // Σ M ⊙ F Fᵀ has gradient (M + Mᵀ) F
  }
  for (const auto& [name, sum] : sums.content) {
    const double term = options_.content_weight * sum / static_cast<double>(content_sizes_.at(name));
    parts_["content:" + name] = term;
    total += term;
  }

  // Pass 2: per tile, a surrogate whose gradient w.r.t. the tile's features is the whole-image
  // loss's gradient restricted to the core; crops overlap, so their input gradients add up.
  at::AutoGradMode enable_grad(true);
  if (grad.defined() && grad.sizes().equals(x.sizes()) && grad.options().type_equal(x.options())) {
    grad.zero_();  // the caller's buffer: a second image-sized gradient costs 0.8 GB at 8192²
  } else {
    grad = at::zeros_like(x);
  }
  for (const Tile& t : make_tiles(x.size(2), x.size(3), options_.tile_size, geometry_)) {
    at::Tensor crop = crop_of(x, t).detach().clone().requires_grad_(true);
    auto features = net_.forward(crop);
    at::Tensor surrogate = at::zeros({}, x.options());
    for (const auto& [name, m] : pull) {
      at::Tensor core = core_of(features.at(name), t, layer_stride(name));
      at::Tensor f = core.reshape({core.size(1), -1});
      // Σ F ⊙ (M F) written as Σ M ⊙ (F Fᵀ): the same value and gradient (2 M F, M symmetric),
      // but only C×C temporaries instead of two more copies of the features.
      surrogate = surrogate + (m * at::mm(f, f.t())).sum();
      auto mean_it = pull_mean.find(name);
      if (mean_it != pull_mean.end()) surrogate = surrogate + at::dot(mean_it->second, f.sum(1));
    }
    for (const auto& [name, target] : content_targets_) {
      const int64_t stride = layer_stride(name);
      at::Tensor core = core_of(features.at(name), t, stride);
      surrogate = surrogate + (options_.content_weight / static_cast<double>(content_sizes_.at(name))) *
                                  (core - whole_of(target, t, stride, core)).pow(2).sum();
    }
    if (!surrogate.requires_grad()) continue;
    at::Tensor g = torch::autograd::grad({surrogate}, {crop})[0];
    crop_of(grad, t).add_(g);
  }
  if (options_.tv_weight != 0) {
    parts_["tv"] = add_banded_tv(x, options_.tv_weight, std::max<int64_t>(options_.tile_size, 16), grad);
    total += parts_["tv"];
  }
  if (options_.bounds == BoundsMethod::kPenalty && options_.range_weight != 0) {
    // Elementwise, so no autograd graph: value and gradient 2·w·(x − clamp(x))/n in one pass.
    const at::Tensor outside = x - x.clamp(0.0, 1.0);
    const double scale = options_.range_weight / static_cast<double>(x.numel());
    parts_["range"] = scale * (outside * outside).sum().item<double>();
    grad.add_(outside, 2 * scale);
    total += parts_["range"];
  }
  total += add_temporal_terms(temporal_, x, grad, parts_);  // pixel-wise, like the range term
  return total;
}

}  // namespace nst::detail
