// Mean-covariance style loss: W2² between Gaussians fitted to the features (crowsonkb), / C.
#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {
namespace {

at::Tensor covariance(const at::Tensor& mean, const at::Tensor& second_moment) {
  at::Tensor cov = second_moment - at::outer(mean, mean);
  cov = (cov + cov.t()) * 0.5;  // exact symmetry: eigh reads one triangle only
  return cov + kMeanCovRidge * at::eye(cov.size(0), cov.options());
}

}  // namespace

std::pair<at::Tensor, at::Tensor> feature_moments(const at::Tensor& features) {
  NST_CHECK(features.dim() == 4 && features.size(0) == 1, kUsage, "feature_moments expects 1xCxHxW features");
  const int64_t c = features.size(1), n = features.size(2) * features.size(3);
  NST_CHECK(n > 0, kUsage, "feature_moments: empty feature map");
  at::Tensor f = features.reshape({c, n});
  return {f.mean(1), at::mm(f, f.t()) / static_cast<double>(n)};
}

at::Tensor sqrtm_psd(const at::Tensor& a) {
  auto [values, vectors] = at::linalg_eigh(a);
  return at::mm(vectors * values.clamp_min(0).sqrt().unsqueeze(0), vectors.t());
}

MeanCovTarget mean_cov_target(const at::Tensor& mean, const at::Tensor& second_moment) {
  MeanCovTarget t;
  t.mean = mean.detach().to(at::kDouble);
  t.cov = covariance(t.mean, second_moment.detach().to(at::kDouble));
  t.cov_sqrt = sqrtm_psd(t.cov);
  return t;
}

at::Tensor mean_cov_loss_from_moments(const at::Tensor& mean, const at::Tensor& second_moment,
                                      const MeanCovTarget& target) {
  const int64_t c = mean.size(0);
  NST_CHECK(target.mean.defined() && target.mean.size(0) == c && second_moment.size(0) == c, kUsage,
            "mean-cov target has another channel count than the features");
  // float64 for the matrix part: in float32 the small eigenvalues of a rank-deficient
  // covariance (fewer positions than channels) drown in rounding, and with them the gradient.
  const at::Tensor m = mean.to(at::kDouble), cov = covariance(m, second_moment.to(at::kDouble));
  const at::Tensor root = target.cov_sqrt.to(m.device());
  at::Tensor inner = at::mm(at::mm(root, cov), root);
  inner = (inner + inner.t()) * 0.5;
  // tr(A^½) = Σ √λ(A): the eigenvalues alone have a well-defined gradient V diag(½/√λ) Vᵀ, even
  // where eigenvalues repeat (no eigenvector derivatives); the ridge keeps λ away from 0.
  const at::Tensor trace_root = at::linalg_eigvalsh(inner).clamp_min(0).sqrt().sum();
  const at::Tensor w2 = (m - target.mean.to(m.device())).pow(2).sum() + cov.trace() +
                        target.cov.to(m.device()).trace() - 2.0 * trace_root;
  return (w2 / static_cast<double>(c)).to(mean.scalar_type());
}

at::Tensor mean_cov_loss(const at::Tensor& features, const MeanCovTarget& target) {
  auto [mean, second] = feature_moments(features);
  return mean_cov_loss_from_moments(mean, second, target);
}

}  // namespace nst
