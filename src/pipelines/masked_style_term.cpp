#include "pipelines/masked_style_term.h"

#include "nst/error.h"
#include "nst/image.h"

namespace nst::detail {

MaskedStyleTerm::MaskedStyleTerm(const std::vector<at::Tensor>& masks, std::vector<double> shares, int64_t height,
                                 int64_t width, StyleLoss loss, const at::Device& device)
    : shares_(std::move(shares)), loss_(loss) {
  NST_CHECK(loss == StyleLoss::kGram || loss == StyleLoss::kMeanCov, kUsage,
            "--style-mask works with --style-loss gram or mean-cov only");
  NST_CHECK(masks.size() == shares_.size(), kUsage, "one style mask per style image");
  for (const auto& m : masks) {
    masks_.push_back(resize_mask(m.detach().to(at::kCPU), static_cast<int>(height), static_cast<int>(width)).to(device));
  }
}

void MaskedStyleTerm::add_style(size_t style, const std::string& layer, const at::Tensor& features) {
  at::NoGradGuard no_grad;
  const size_t count = masks_.size();
  if (loss_ == StyleLoss::kGram) {
    auto& grams = grams_[layer];
    grams.resize(count);
    grams.at(style) = gram_matrix(features).detach();
  } else {
    auto& gaussians = gaussians_[layer];
    gaussians.resize(count);
    auto [mean, second] = feature_moments(features.to(at::kDouble));
    gaussians.at(style) = mean_cov_target(mean, second);
  }
}

const MaskedStyleTerm::Grid& MaskedStyleTerm::grid(int64_t height, int64_t width) {
  auto it = grids_.find({height, width});
  if (it != grids_.end()) return it->second;
  at::NoGradGuard no_grad;
  Grid g;
  const double count = static_cast<double>(masks_.size());
  for (size_t k = 0; k < masks_.size(); ++k) {
    // The network's poolings are 2x2 with stride 2 (floor) and its 3x3 convolutions keep the
    // grid, so a position behind b poolings stands for a 2^b x 2^b block of pixels. The same
    // average pooling of the mask gives each position the share of its block inside the region:
    // aligned with the features, area kept, and no thin region lost between samples as with a
    // nearest or bilinear resize to the layer's size.
    at::Tensor m = masks_[k];
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

at::Tensor MaskedStyleTerm::operator()(const std::string& layer, const at::Tensor& features) {
  const Grid& g = grid(features.size(2), features.size(3));
  at::Tensor total = at::zeros({}, features.options());
  for (size_t k = 0; k < g.masks.size(); ++k) {
    if (g.weights[k] == 0) continue;  // no region here: no statistics to match
    if (loss_ == StyleLoss::kGram) {
      total = total + g.weights[k] * at::mse_loss(masked_gram(features, g.masks[k]), grams_.at(layer).at(k));
    } else {
      auto [mean, second] = masked_feature_moments(features, g.masks[k]);
      total = total + g.weights[k] * mean_cov_loss_from_moments(mean, second, gaussians_.at(layer).at(k));
    }
  }
  return total;
}

}  // namespace nst::detail
