#pragma once
// Loss terms. All are means, so that a weight means the same at every image size.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>

namespace nst {

/// Gram matrix of features F (1xCxHxW): G = F Fᵀ / (C·H·W), shape CxC.
at::Tensor gram_matrix(const at::Tensor& features);

/// Content loss: mean over all elements of (F − T)².
at::Tensor content_loss(const at::Tensor& features, const at::Tensor& target);

/// Style loss of one layer: mean over the CxC entries of (G(F) − G_target)².
at::Tensor style_loss(const at::Tensor& features, const at::Tensor& target_gram);

/// Spatial control (Gatys et al. 2017; src/losses/masked_gram.cpp): statistics over one region.
/// `mask` is 1x1xHxW on the features' grid, weights in [0,1] (1 = inside the region).
/// Gram matrix of the region: G = F diag(m) Fᵀ / (C·Σm), CxC. With m ≡ 1 it is gram_matrix(F).
at::Tensor masked_gram(const at::Tensor& features, const at::Tensor& mask);
/// Per-channel mean Σ m f / Σm (C) and raw second moment F diag(m) Fᵀ / Σm (CxC) of the region:
/// what mean_cov_loss_from_moments takes. An all-zero mask gives zeros.
std::pair<at::Tensor, at::Tensor> masked_feature_moments(const at::Tensor& features, const at::Tensor& mask);

/// Mean-covariance (W2) style statistics of one layer (src/losses/mean_cov_loss.cpp): the
/// Wasserstein-2 distance between Gaussians fitted to the features (crowsonkb/style-transfer-pytorch).
/// The target holds the Gaussian of the style: mean μs (C), covariance Σs + εI and its square root.
struct MeanCovTarget {
  at::Tensor mean;      ///< C
  at::Tensor cov;       ///< CxC, with the ridge εI added
  at::Tensor cov_sqrt;  ///< (Σs + εI)^½, CxC
};
/// Ridge ε added to both covariances: keeps (Σs^½ Σ Σs^½)^½ differentiable when features are
/// rank-deficient (a deep layer of a small image has fewer positions than channels).
constexpr double kMeanCovRidge = 1e-4;

/// Per-channel mean (C) and raw second moment E[f fᵀ] (CxC) of 1xCxHxW features.
std::pair<at::Tensor, at::Tensor> feature_moments(const at::Tensor& features);

/// The target Gaussian from a mean and a raw second moment (blend styles by averaging those two
/// first, as crowsonkb does). Computed and kept in float64.
MeanCovTarget mean_cov_target(const at::Tensor& mean, const at::Tensor& second_moment);

/// Square root of a symmetric positive semi-definite matrix by eigh (negative rounding clamped).
at::Tensor sqrtm_psd(const at::Tensor& a);

/// W2² between N(μ, Σ + εI) and the target, divided by C (so that layers of different widths are
/// comparable): (‖μ − μs‖² + tr(Σ + Σs − 2 (Σs^½ Σ Σs^½)^½)) / C, from the moments of the features
/// (Σ = E[f fᵀ] − μμᵀ). The matrix part runs in float64 through a differentiable eigh; the result
/// has the dtype of `mean`.
at::Tensor mean_cov_loss_from_moments(const at::Tensor& mean, const at::Tensor& second_moment,
                                      const MeanCovTarget& target);
/// The same from 1xCxHxW features.
at::Tensor mean_cov_loss(const at::Tensor& features, const MeanCovTarget& target);

/// Sliced Wasserstein style loss (Heitz et al. 2021; src/losses/sliced_wasserstein_loss.cpp).
/// `count` random unit directions in R^C (count x C, float32), a pure function of the seed.
at::Tensor random_directions(int64_t channels, int64_t count, uint64_t seed);

/// Sorted projections of 1xCxHxW features on the directions (K x C): K x (H·W), ascending.
at::Tensor sorted_projections(const at::Tensor& features, const at::Tensor& directions);

/// The quantile function of a weighted sample, per row, at n points (i + ½)/n: `values` K x M
/// (each row sorted or not), `weights` M (non-negative, any sum). Sample j covers the probability
/// interval of its weight; between their midpoints the quantile is interpolated linearly, and
/// it is constant beyond the first and last midpoints. With equal weights and M = n it returns
/// the sorted rows themselves; M ≠ n resamples them by linear interpolation, and several styles'
/// samples with blend weights give the quantiles of their mixture.
at::Tensor weighted_quantiles(const at::Tensor& values, const at::Tensor& weights, int64_t n);

/// Mean over K x N of (sorted projection of the features − target)², target K x (H·W) from
/// weighted_quantiles (or sorted_projections of a style of the same size).
at::Tensor sliced_wasserstein_loss(const at::Tensor& features, const at::Tensor& directions,
                                   const at::Tensor& target_sorted);

/// Total variation: mean over pixels of ((Δx)² + (Δy)²)^(β/2), on 1xCxHxW, forward differences.
/// β = 2 is smooth; β < 2 (edge-preserving) adds a small epsilon inside the power.
/// wrap: the differences wrap around (the last column against the first, the last row against
/// the first), so every pixel has both neighbours, as on a torus (tileable textures).
at::Tensor tv_loss(const at::Tensor& image, double beta = 2.0, bool wrap = false);

/// α-norm prior (Mahendran & Vedaldi 2015): mean over elements of |x − centre|^α. With pixels
/// in [0,1] and centre 0.5, a large α (6) mostly penalizes values that leave the range.
at::Tensor alpha_norm_loss(const at::Tensor& image, double alpha = 6.0, double centre = 0.5);

/// Temporal consistency (Ruder et al. 2016): mean over pixels and channels of c·(x − w)², where w
/// (1x3xHxW) is an earlier result warped to this frame and c (1x1xHxW, in [0,1]) is 1 where that
/// warp is trusted (see reliability_mask in nst/video.h).
at::Tensor temporal_loss(const at::Tensor& image, const at::Tensor& target, const at::Tensor& mask);

/// Range penalty: mean over elements of the squared distance of x to [lower, upper]; zero (with a
/// zero gradient) inside the range, smooth (C¹) across its ends.
at::Tensor range_loss(const at::Tensor& image, double lower = 0.0, double upper = 1.0);

}  // namespace nst
