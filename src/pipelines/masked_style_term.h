#pragma once
// The style term under spatial masks (--style-mask; Gatys et al. 2017, "Controlling Perceptual
// Factors"): each style's statistics are taken over its own region of the image and compared
// with that style's own statistics, not with the blend of all styles.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nst/losses.h"
#include "nst/stylize.h"

namespace nst::detail {

class MaskedStyleTerm {
 public:
  /// masks: one 1x1xHxW in [0,1] per style, resampled here to the image's height x width (this
  /// scale's size); shares: the styles' blend shares (sum 1); loss: kGram or kMeanCov.
  MaskedStyleTerm(const std::vector<at::Tensor>& masks, std::vector<double> shares, int64_t height, int64_t width,
                  StyleLoss loss, const at::Device& device);

  /// Keeps the statistics of style `style`'s features (its whole image) at one layer.
  void add_style(size_t style, const std::string& layer, const at::Tensor& features);

  /// Σ_k a_k·K·share_k · loss(region k's statistics, style k's), where a_k is the share of the
  /// layer's positions inside region k: regions that tile the image weigh as much as one unmasked
  /// style, a single all-ones mask gives exactly the unmasked loss, and pixels outside every
  /// mask get no style term.
  at::Tensor operator()(const std::string& layer, const at::Tensor& features);

 private:
  struct Grid {
    std::vector<at::Tensor> masks;  // per style, on the layer's grid
    std::vector<double> weights;    // a_k·K·share_k
  };
  const Grid& grid(int64_t height, int64_t width);

  std::vector<at::Tensor> masks_;  // per style, at the image's size, on the device
  std::vector<double> shares_;
  StyleLoss loss_;
  std::map<std::string, std::vector<at::Tensor>> grams_;          // kGram: per layer, per style
  std::map<std::string, std::vector<MeanCovTarget>> gaussians_;  // kMeanCov: per layer, per style
  std::map<std::pair<int64_t, int64_t>, Grid> grids_;
};

}  // namespace nst::detail
