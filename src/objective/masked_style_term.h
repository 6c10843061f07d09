#pragma once
// The style term of one layer under spatial masks (--style-mask; Gatys et al. 2017, "Controlling
// Perceptual Factors"): each style's statistics are taken over its own region of the image and
// compared with that style's own statistics, not with the blend of all styles.
#include <memory>

#include "nst/losses.h"
#include "nst/stylize.h"
#include "objective/term.h"

namespace nst::detail {

/// The styles' masks at the image's size (this scale's), on the device: shared by the layers' terms.
std::shared_ptr<const std::vector<at::Tensor>> fit_style_masks(const std::vector<at::Tensor>& masks, int64_t height,
                                                                int64_t width, const at::Device& device);

class MaskedStyleTerm : public Term {
 public:
  /// masks: one 1x1xHxW in [0,1] per style; shares: the styles' blend shares (sum 1);
  /// loss: kGram or kMeanCov.
  MaskedStyleTerm(std::string layer, double weight, std::shared_ptr<const std::vector<at::Tensor>> masks,
                  std::vector<double> shares, StyleLoss loss);

  std::string name() const override { return "style:" + layer_; }
  std::vector<std::string> layers() const override { return {layer_}; }
  bool reads_styles() const override { return true; }
  void add_style(size_t style, const CoreFeatures& core) override;
  void finish_targets() override;
  /// weight · Σ_k a_k·K·share_k · loss(region k's statistics, style k's), where a_k is the share
  /// of the layer's positions inside region k: regions that tile the image weigh as much as one
  /// unmasked style, a single all-ones mask gives exactly the unmasked loss, and pixels outside
  /// every mask get no style term.
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  /// Per region k: {Σ F diag(m) Fᵀ, Σ m f, Σ m}.
  Statistics accumulate(const CoreFeatures& core) const override;
  at::Tensor loss_from(const Statistics& total) const override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  struct Grid {
    std::vector<at::Tensor> masks;  // per style, on the layer's grid
    std::vector<double> weights;    // a_k·K·share_k
  };
  const Grid& grid(int64_t height, int64_t width) const;
  /// One region's term from its mean and raw second moment.
  at::Tensor region_loss(size_t k, const at::Tensor& mean, const at::Tensor& second) const;

  std::string layer_;
  double weight_;
  std::shared_ptr<const std::vector<at::Tensor>> masks_;
  std::vector<double> shares_;
  StyleLoss loss_;
  std::vector<Statistics> sums_;            // per style, while the targets are set up
  std::vector<at::Tensor> grams_;           // kGram: per style
  std::vector<MeanCovTarget> gaussians_;    // kMeanCov: per style
  mutable std::map<std::pair<int64_t, int64_t>, Grid> grids_;
  mutable std::pair<int64_t, int64_t> tiled_grid_{0, 0};  // the whole grid accumulate() saw
};

}  // namespace nst::detail
