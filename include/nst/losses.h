#pragma once
// Loss terms. All are means, so that a weight means the same at every image size.
#include <ATen/core/Tensor.h>

namespace nst {

/// Gram matrix of features F (1xCxHxW): G = F Fᵀ / (C·H·W), shape CxC.
at::Tensor gram_matrix(const at::Tensor& features);

/// Content loss: mean over all elements of (F − T)².
at::Tensor content_loss(const at::Tensor& features, const at::Tensor& target);

/// Style loss of one layer: mean over the CxC entries of (G(F) − G_target)².
at::Tensor style_loss(const at::Tensor& features, const at::Tensor& target_gram);

/// Total variation: mean over pixels of ((Δx)² + (Δy)²)^(β/2), on 1xCxHxW, forward differences.
/// β = 2 is smooth; β < 2 (edge-preserving) adds a small epsilon inside the power.
at::Tensor tv_loss(const at::Tensor& image, double beta = 2.0);

/// α-norm prior (Mahendran & Vedaldi 2015): mean over elements of |x − centre|^α. With pixels
/// in [0,1] and centre 0.5, a large α (6) mostly penalizes values that leave the range.
at::Tensor alpha_norm_loss(const at::Tensor& image, double alpha = 6.0, double centre = 0.5);

/// Range penalty: mean over elements of the squared distance of x to [lower, upper]; zero (with a
/// zero gradient) inside the range, smooth (C¹) across its ends.
at::Tensor range_loss(const at::Tensor& image, double lower = 0.0, double upper = 1.0);

}  // namespace nst
