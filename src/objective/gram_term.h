#pragma once
// Gram style (Gatys et al.): weight · mean over CxC of (G(F) − A)², G = F Fᵀ / (C·n), A the
// blend of the styles' Gram matrices.
#include "objective/term.h"

namespace nst::detail {

class GramTerm : public Term {
 public:
  /// shares: the styles' blend shares (one per style image).
  GramTerm(std::string layer, double weight, std::vector<double> shares)
      : layer_(std::move(layer)), weight_(weight), shares_(std::move(shares)) {}

  std::string name() const override { return "style:" + layer_; }
  std::vector<std::string> layers() const override { return {layer_}; }
  bool reads_styles() const override { return true; }
  void add_style(size_t style, const CoreFeatures& core) override;
  void finish_targets() override;
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  Statistics accumulate(const CoreFeatures& core) const override;  // {Σ F Fᵀ, positions}
  at::Tensor loss_from(const Statistics& total) const override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  std::string layer_;
  double weight_;
  std::vector<double> shares_;
  at::Tensor target_;                // blended Gram matrix, CxC
  std::vector<Statistics> sums_;     // per style, while the targets are set up
};

/// {Σ F Fᵀ (CxC), positions (a double scalar)} of one core: the sums a Gram matrix or a
/// Gaussian fit adds up over tiles. Shared by the Gram and mean-covariance terms.
Statistics second_moment_sums(const at::Tensor& core);

/// Adds b to a elementwise (a empty: takes b).
void add_statistics(Statistics& a, const Statistics& b);

}  // namespace nst::detail
