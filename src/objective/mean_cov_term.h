#pragma once
// Mean-covariance style (W2 between Gaussians fitted to the features, crowsonkb): weight ·
// mean_cov_loss against the Gaussian of the styles' blended moments.
#include "nst/losses.h"
#include "objective/term.h"

namespace nst::detail {

class MeanCovTerm : public Term {
 public:
  MeanCovTerm(std::string layer, double weight, std::vector<double> shares)
      : layer_(std::move(layer)), weight_(weight), shares_(std::move(shares)) {}

  std::string name() const override { return "style:" + layer_; }
  std::vector<std::string> layers() const override { return {layer_}; }
  bool reads_styles() const override { return true; }
  void add_style(size_t style, const CoreFeatures& core) override;
  void finish_targets() override;
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  Statistics accumulate(const CoreFeatures& core) const override;  // {Σ F Fᵀ, positions, Σ F}
  at::Tensor loss_from(const Statistics& total) const override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  std::string layer_;
  double weight_;
  std::vector<double> shares_;
  MeanCovTarget target_;
  std::vector<Statistics> sums_;  // per style (float64), while the targets are set up
};

}  // namespace nst::detail
