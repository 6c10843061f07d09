#pragma once
// Video's temporal consistency (Ruder et al. 2016): weight · mean(mask · (x − warped earlier
// result)²), one term per target (StyleOptions::temporal).
#include "nst/stylize.h"
#include "objective/term.h"

namespace nst::detail {

/// The targets at the size, device and dtype of `like` (1x3xHxW): coarse-to-fine scales optimize
/// smaller images than the frame the targets were warped to. Masks are clamped to [0, 1].
std::vector<TemporalTarget> fit_temporal_targets(const std::vector<TemporalTarget>& targets, const at::Tensor& like);

class TemporalTerm : public Term {
 public:
  /// target: already fitted to the image; index: its place among the run's targets (the name).
  TemporalTerm(TemporalTarget target, size_t index) : target_(std::move(target)), index_(index) {}

  /// "temporal" for the first target, "temporal:i" for the others.
  std::string name() const override { return index_ == 0 ? "temporal" : "temporal:" + std::to_string(index_); }
  at::Tensor loss(const Features& features, const at::Tensor& image) override;
  /// In closed form, 2·weight·mask·(x − target)/n: no autograd graph.
  double add_image_term(const at::Tensor& x, at::Tensor& grad) override;
  uint64_t kept_bytes(const std::map<std::string, LayerShape>& shapes, size_t styles) const override;

 private:
  TemporalTarget target_;
  size_t index_;
};

}  // namespace nst::detail
