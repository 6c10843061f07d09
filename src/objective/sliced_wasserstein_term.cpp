#include "objective/sliced_wasserstein_term.h"

#include "nst/losses.h"

namespace nst::detail {

void SlicedWassersteinTerm::add_style(size_t style, const CoreFeatures& core) {
  const at::Tensor f = core[layer_];
  if (style_features_.size() <= style) style_features_.resize(style + 1);
  style_features_[style] = f.reshape({f.size(1), -1}).detach().clone();
}

void SlicedWassersteinTerm::redraw(uint64_t round) {
  if (style_features_.empty()) return;
  // One stream per (seed, round, layer): layers never share directions, runs repeat exactly.
  const int64_t channels = style_features_.front().size(0);
  const int64_t count = count_ > 0 ? count_ : channels;
  const uint64_t stream = seed_ * 0x9E3779B97F4A7C15ull + round * 1000003ull + index_;
  directions_ = random_directions(channels, count, stream).to(style_features_.front().device());
  target_ = at::Tensor();  // rebuilt for the image's size at the next evaluation
}

at::Tensor SlicedWassersteinTerm::loss(const Features& features, const at::Tensor& /*image*/) {
  const at::Tensor& f = features.at(layer_);
  const int64_t n = f.size(2) * f.size(3);
  if (!target_.defined() || target_.size(1) != n) {
    // The blend's mixture: every style's projected samples, each weighing share / M_s.
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> values, weights;
    for (size_t s = 0; s < style_features_.size(); ++s) {
      const at::Tensor& sf = style_features_[s];
      values.push_back(at::mm(directions_.to(sf.scalar_type()), sf));
      weights.push_back(at::full({sf.size(1)}, shares_[s] / static_cast<double>(sf.size(1)),
                                 sf.options().dtype(at::kDouble)));
    }
    target_ = weighted_quantiles(at::cat(values, 1), at::cat(weights), n).to(f.scalar_type());
  }
  return weight_ * sliced_wasserstein_loss(f, directions_, target_);
}

uint64_t SlicedWassersteinTerm::kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const {
  const LayerShape& s = shapes.at(layer_);
  const uint64_t positions = static_cast<uint64_t>(s.height * s.width);
  const uint64_t k = static_cast<uint64_t>(count_ > 0 ? count_ : s.channels);
  // Each style's features (about the image's size each), the directions and the target quantiles.
  return (static_cast<uint64_t>(s.channels) * positions * styles + k * static_cast<uint64_t>(s.channels) + k * positions) * 4;
}

}  // namespace nst::detail
