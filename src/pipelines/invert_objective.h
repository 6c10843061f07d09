#pragma once
// The feature-inversion objective:
//   f(x) = Σ_l w_l ||Φ_l(J(x)) − Φ_l(x0)||² / ||Φ_l(x0)||² + λ_TV TV^β(x) + λ_α mean(|x − 0.5|^α),
// J a random roll by up to `jitter` px (identity when jitter is 0). Targets are computed once.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "nst/invert.h"
#include "nst/network.h"

namespace nst::detail {

class InvertObjective {
 public:
  /// net must provide options.layers; target is 1x3xHxW on net's device.
  InvertObjective(const FeatureNet& net, const at::Tensor& target, const InvertOptions& options);

  /// Loss at x; writes the gradient into grad. Records the weighted parts of this evaluation.
  double operator()(const at::Tensor& x, at::Tensor& grad);

  /// Weighted loss parts of the latest evaluation ("feature:<layer>", "tv", "alpha").
  const std::map<std::string, double>& parts() const { return parts_; }

  /// Σ w_l normalized feature error of x, without jitter or priors (no gradient).
  double feature_loss(const at::Tensor& x) const;

 private:
  at::Tensor feature_term(const std::map<std::string, at::Tensor>& features, bool record);

  const FeatureNet& net_;
  InvertOptions options_;
  std::map<std::string, at::Tensor> targets_;
  std::map<std::string, double> energies_;  // ||Φ_l(x0)||²
  std::map<std::string, double> weights_;
  std::map<std::string, double> parts_;
  std::mt19937_64 jitter_rng_;
};

}  // namespace nst::detail
