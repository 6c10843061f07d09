#include "objective/masked_style_term.h"

#include "nst/error.h"
#include "nst/image.h"
#include "objective/gram_term.h"

namespace nst::detail {

std::shared_ptr<const std::vector<at::Tensor>> fit_style_masks(const std::vector<at::Tensor>& masks, int64_t height,
                                                                int64_t width, const at::Device& device) {
  auto fitted = std::make_shared<std::vector<at::Tensor>>();
  for (const auto& m : masks) {
    fitted->push_back(
        resize_mask(m.detach().to(at::kCPU), static_cast<int>(height), static_cast<int>(width)).to(device));
  }
  return fitted;
}

MaskedStyleTerm::MaskedStyleTerm(std::string layer, double weight, std::shared_ptr<const std::vector<at::Tensor>> masks,
                                 std::vector<double> shares, StyleLoss loss)
    : layer_(std::move(layer)), weight_(weight), masks_(std::move(masks)), shares_(std::move(shares)), loss_(loss) {
  NST_CHECK(loss == StyleLoss::kGram || loss == StyleLoss::kMeanCov, kUsage,
            "--style-mask works with --style-loss gram or mean-cov only");
  NST_CHECK(masks_->size() == shares_.size(), kUsage, "one style mask per style image");
}

void MaskedStyleTerm::add_style(size_t style, const CoreFeatures& core) {
  at::NoGradGuard no_grad;
  if (sums_.size() < shares_.size()) sums_.resize(shares_.size());
  const at::Tensor f = loss_ == StyleLoss::kMeanCov ? core[layer_].to(at::kDouble) : core[layer_];
  Statistics s = second_moment_sums(f);
  s.push_back(f.reshape({f.size(1), -1}).sum(1));
  add_statistics(sums_.at(style), s);
}

void MaskedStyleTerm::finish_targets() {
  grams_.resize(sums_.size());
  gaussians_.resize(sums_.size());
  for (size_t k = 0; k < sums_.size(); ++k) {
    if (sums_[k].empty()) continue;
    const double n = sums_[k][1].item<double>();
    if (loss_ == StyleLoss::kGram) {
      grams_[k] = sums_[k][0] / (static_cast<double>(sums_[k][0].size(0)) * n);
    } else {
      gaussians_[k] = mean_cov_target(sums_[k][2] / n, sums_[k][0] / n);
    }
  }
  sums_.clear();
}

const MaskedStyleTerm::Grid& MaskedStyleTerm::grid(int64_t height, int64_t width) const {
  auto it = grids_.find({height, width});
  if (it != grids_.end()) return it->second;
  at::NoGradGuard no_grad;
  Grid g;
  const double count = static_cast<double>(masks_->size());
  for (size_t k = 0; k < masks_->size(); ++k) {
    // The network's poolings are 2x2 with stride 2 (floor) and its 3x3 convolutions keep the
    // grid, so a position behind b poolings stands for a 2^b x 2^b block of pixels. The same
    // average pooling of the mask gives each position the share of its block inside the region:
    // aligned with the features, area kept, and no thin region lost between samples as with a
    // nearest or bilinear resize to the layer's size.
    at::Tensor m = (*masks_)[k];
    while ((m.size(2) != height || m.size(3) != width) && m.size(2) / 2 >= height && m.size(3) / 2 >= width) {
      m = at::avg_pool2d(m, {2, 2}, {2, 2});
    }
    if (m.size(2) != height || m.size(3) != width) m = resize_mask(m, static_cast<int>(height), static_cast<int>(width));
    const double area = m.sum().item<double>() / static_cast<double>(height * width);
    g.masks.push_back(m);
    g.weights.push_back(area * count * shares_[k]);
  }
  return grids_.emplace(std::make_pair(height, width), std::move(g)).first->second;
}

at::Tensor MaskedStyleTerm::region_loss(size_t k, const at::Tensor& mean, const at::Tensor& second) const {
  if (loss_ == StyleLoss::kGram) return at::mse_loss(second / static_cast<double>(second.size(0)), grams_.at(k));
  return mean_cov_loss_from_moments(mean, second, gaussians_.at(k));
}

at::Tensor MaskedStyleTerm::loss(const Features& features, const at::Tensor& /*image*/) {
  const at::Tensor& f = features.at(layer_);
  const Grid& g = grid(f.size(2), f.size(3));
  at::Tensor total = at::zeros({}, f.options());
  for (size_t k = 0; k < g.masks.size(); ++k) {
    if (g.weights[k] == 0) continue;  // no region here: no statistics to match
    auto [mean, second] = masked_feature_moments(f, g.masks[k]);
    total = total + g.weights[k] * region_loss(k, mean, second);
  }
  return weight_ * total;
}

Statistics MaskedStyleTerm::accumulate(const CoreFeatures& core) const {
  const at::Tensor f = core[layer_];
  tiled_grid_ = core.whole_grid(layer_);
  const Grid& g = grid(tiled_grid_.first, tiled_grid_.second);
  const at::Tensor flat = f.reshape({f.size(1), -1});
  Statistics s;
  for (const at::Tensor& whole_mask : g.masks) {
    const at::Tensor m = core.same_region(whole_mask, layer_).reshape({1, -1}).to(f.scalar_type());
    const at::Tensor fm = flat * m;
    s.push_back(at::mm(fm, flat.t()));
    s.push_back(fm.sum(1));
    s.push_back(m.sum().to(at::kDouble));
  }
  return s;
}

at::Tensor MaskedStyleTerm::loss_from(const Statistics& total) const {
  const Grid& g = grid(tiled_grid_.first, tiled_grid_.second);  // accumulate() ran first
  at::Tensor sum;
  for (size_t k = 0; k < g.masks.size(); ++k) {
    if (g.weights[k] == 0) continue;
    const at::Tensor area = total[3 * k + 2].clamp_min(1e-12).to(total[3 * k].scalar_type());
    const at::Tensor term = g.weights[k] * region_loss(k, total[3 * k + 1] / area, total[3 * k] / area);
    sum = sum.defined() ? sum + term : term;
  }
  return sum.defined() ? weight_ * sum : at::zeros({}, total[0].options());
}

uint64_t MaskedStyleTerm::kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const {
  const LayerShape& s = shapes.at(layer_);
  const uint64_t c = static_cast<uint64_t>(s.channels), element = loss_ == StyleLoss::kGram ? 4 : 8;
  // Per style: its target (CxC, and the root for mean-cov) and its mask on the layer's grid.
  return styles * ((loss_ == StyleLoss::kGram ? 1 : 2) * c * c * element + static_cast<uint64_t>(s.height * s.width) * 4);
}

}  // namespace nst::detail
