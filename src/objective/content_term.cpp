#include "objective/content_term.h"

#include "nst/losses.h"

namespace nst::detail {

void ContentTerm::add_content(const CoreFeatures& core) {
  const at::Tensor f = core[layer_];
  if (!target_.defined()) {
    const auto [h, w] = core.whole_grid(layer_);
    if (f.size(2) == h && f.size(3) == w) {  // the whole image at once
      target_ = f.detach().clone();
      return;
    }
    target_ = at::zeros({1, f.size(1), h, w}, f.options());
  }
  core.same_region(target_, layer_).copy_(f);
}

at::Tensor ContentTerm::loss(const Features& features, const at::Tensor& /*image*/) {
  return weight_ * content_loss(features.at(layer_), target_);
}

Statistics ContentTerm::accumulate(const CoreFeatures& core) const {
  const at::Tensor f = core[layer_];
  return {(f - core.same_region(target_, layer_)).pow(2).sum()};
}

at::Tensor ContentTerm::loss_from(const Statistics& total) const {
  return total[0] * (weight_ / static_cast<double>(target_.numel()));
}

uint64_t ContentTerm::kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t /*styles*/) const {
  const LayerShape& s = shapes.at(layer_);
  return static_cast<uint64_t>(s.channels * s.height * s.width) * 4;
}

}  // namespace nst::detail
