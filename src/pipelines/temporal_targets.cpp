#include "pipelines/temporal_targets.h"

#include "nst/image.h"

namespace nst::detail {

std::vector<TemporalTarget> fit_temporal_targets(const std::vector<TemporalTarget>& targets, const at::Tensor& like) {
  const int h = static_cast<int>(like.size(2)), w = static_cast<int>(like.size(3));
  auto fit = [&](const at::Tensor& image) {
    const bool same = image.size(2) == h && image.size(3) == w;
    return (same ? image : resize_image(image.to(at::kCPU), h, w)).to(like.device(), like.scalar_type());
  };
  std::vector<TemporalTarget> fitted;
  for (const TemporalTarget& t : targets) fitted.push_back({fit(t.image), fit(t.mask).clamp(0.0, 1.0), t.weight});
  return fitted;
}

std::string temporal_part_name(size_t index) {
  return index == 0 ? "temporal" : "temporal:" + std::to_string(index);
}

double add_temporal_terms(const std::vector<TemporalTarget>& targets, const at::Tensor& x, at::Tensor& grad,
                          std::map<std::string, double>& parts) {
  double total = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    const TemporalTarget& t = targets[i];
    const at::Tensor weighted = t.mask * (x - t.image);  // the mask broadcasts over the channels
    const double scale = t.weight / static_cast<double>(x.numel());
    const double term = scale * (weighted * (x - t.image)).sum().item<double>();
    grad.add_(weighted, 2 * scale);
    parts[temporal_part_name(i)] = term;
    total += term;
  }
  return total;
}

}  // namespace nst::detail
