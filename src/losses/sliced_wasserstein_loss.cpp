// Sliced Wasserstein style loss (Heitz et al. 2021): sorted random projections of the features.
#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/losses.h"

namespace nst {

at::Tensor random_directions(int64_t channels, int64_t count, uint64_t seed) {
  NST_CHECK(channels > 0 && count > 0, kUsage, "random_directions: channels and count must be positive");
  auto generator = at::detail::createCPUGenerator(seed);
  at::Tensor d = at::randn({count, channels}, generator, at::kFloat);
  return d / d.norm(2, {1}, /*keepdim=*/true);
}

at::Tensor sorted_projections(const at::Tensor& features, const at::Tensor& directions) {
  NST_CHECK(features.dim() == 4 && features.size(0) == 1, kUsage, "sorted_projections expects 1xCxHxW features");
  const int64_t c = features.size(1);
  NST_CHECK(directions.dim() == 2 && directions.size(1) == c, kUsage,
            "projection directions have another channel count than the features");
  at::Tensor f = features.reshape({c, -1});
  at::Tensor p = at::mm(directions.to(f.device(), f.scalar_type()), f);
  return std::get<0>(p.sort(1));
}

at::Tensor weighted_quantiles(const at::Tensor& values, const at::Tensor& weights, int64_t n) {
  NST_CHECK(values.dim() == 2 && weights.dim() == 1 && weights.size(0) == values.size(1), kUsage,
            "weighted_quantiles: values K x M with M weights");
  NST_CHECK(n > 0, kUsage, "weighted_quantiles: n must be positive");
  at::NoGradGuard no_grad;
  const at::Tensor w_all = weights.to(values.device(), at::kDouble);
  const at::Tensor keep = at::nonzero(w_all > 0).view(-1);  // zero-weight samples take no interval
  NST_CHECK(keep.numel() > 0, kUsage, "weighted_quantiles: all weights are zero");
  const at::Tensor v = values.to(at::kDouble).index_select(1, keep);
  const at::Tensor w = w_all.index_select(0, keep);
  const int64_t k = v.size(0), m = v.size(1);
  auto [sorted, order] = v.sort(1);
  at::Tensor ws = w.index_select(0, order.reshape(-1)).view({k, m});
  ws = ws / ws.sum(1, /*keepdim=*/true);
  const at::Tensor mid = (ws.cumsum(1) - 0.5 * ws).contiguous();  // probability at each sample's middle
  const at::Tensor q =
      ((at::arange(n, mid.options()) + 0.5) / static_cast<double>(n)).unsqueeze(0).expand({k, n}).contiguous();
  const at::Tensor pos = at::searchsorted(mid, q);  // first midpoint >= q
  const at::Tensor lo = (pos - 1).clamp(0, m - 1), hi = pos.clamp(0, m - 1);
  const at::Tensor m_lo = mid.gather(1, lo), m_hi = mid.gather(1, hi);
  const at::Tensor v_lo = sorted.gather(1, lo), v_hi = sorted.gather(1, hi);
  const at::Tensor span = m_hi - m_lo;
  const at::Tensor t = at::where(span > 0, (q - m_lo) / span.clamp_min(1e-300), at::zeros_like(span)).clamp(0.0, 1.0);
  return (v_lo + t * (v_hi - v_lo)).to(values.scalar_type());
}

at::Tensor sliced_wasserstein_loss(const at::Tensor& features, const at::Tensor& directions,
                                   const at::Tensor& target_sorted) {
  at::Tensor p = sorted_projections(features, directions);
  NST_CHECK(p.sizes() == target_sorted.sizes(), kUsage,
            "sliced-Wasserstein target is " + std::to_string(target_sorted.size(0)) + "x" +
                std::to_string(target_sorted.size(1)) + ", the projections " + std::to_string(p.size(0)) + "x" +
                std::to_string(p.size(1)));
  return at::mse_loss(p, target_sorted.to(p.device(), p.scalar_type()));
}

}  // namespace nst
