#include "objective/mean_cov_term.h"

#include "objective/gram_term.h"

namespace nst::detail {

void MeanCovTerm::add_style(size_t style, const CoreFeatures& core) {
  at::NoGradGuard no_grad;
  if (sums_.size() < shares_.size()) sums_.resize(shares_.size());
  // float64 from the start: the target's covariance is the difference of two moments.
  const at::Tensor f = core[layer_].to(at::kDouble);
  Statistics s = second_moment_sums(f);
  s.push_back(f.reshape({f.size(1), -1}).sum(1));
  add_statistics(sums_.at(style), s);
}

void MeanCovTerm::finish_targets() {
  at::Tensor mean, second;  // blended: the shares' average of each style's moments
  for (size_t s = 0; s < sums_.size(); ++s) {
    const double n = sums_[s][1].item<double>();
    const at::Tensor m = sums_[s][2] / n * shares_[s], q = sums_[s][0] / n * shares_[s];
    mean = mean.defined() ? mean + m : m;
    second = second.defined() ? second + q : q;
  }
  if (mean.defined()) target_ = mean_cov_target(mean, second);
  sums_.clear();
}

at::Tensor MeanCovTerm::loss(const Features& features, const at::Tensor& /*image*/) {
  return weight_ * mean_cov_loss(features.at(layer_), target_);
}

Statistics MeanCovTerm::accumulate(const CoreFeatures& core) const {
  const at::Tensor f = core[layer_];
  Statistics s = second_moment_sums(f);
  s.push_back(f.reshape({f.size(1), -1}).sum(1));
  return s;
}

at::Tensor MeanCovTerm::loss_from(const Statistics& total) const {
  const double n = total[1].item<double>();
  return mean_cov_loss_from_moments(total[2].to(at::kDouble) / n, total[0].to(at::kDouble) / n, target_) * weight_;
}

uint64_t MeanCovTerm::kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const {
  const uint64_t c = static_cast<uint64_t>(shapes.at(layer_).channels);
  return (2 * c * c + c) * 8 + (c * c + c) * 8 * styles;  // float64 target (cov, its root, mean), sums
}

}  // namespace nst::detail
