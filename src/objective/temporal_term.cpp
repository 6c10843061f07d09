#include "objective/temporal_term.h"

#include "nst/image.h"
#include "nst/losses.h"

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

at::Tensor TemporalTerm::loss(const Features& /*features*/, const at::Tensor& image) {
  return target_.weight * temporal_loss(image, target_.image, target_.mask);
}

double TemporalTerm::add_image_term(const at::Tensor& x, at::Tensor& grad) {
  const at::Tensor weighted = target_.mask * (x - target_.image);  // the mask broadcasts over the channels
  const double scale = target_.weight / static_cast<double>(x.numel());
  grad.add_(weighted, 2 * scale);
  return scale * (weighted * (x - target_.image)).sum().item<double>();
}

uint64_t TemporalTerm::kept_bytes(const std::map<std::string, LayerShape>& /*shapes*/, size_t /*styles*/) const {
  return static_cast<uint64_t>(target_.image.numel() + target_.mask.numel()) * target_.image.element_size();
}

}  // namespace nst::detail
