#pragma once
// Video's temporal targets (StyleOptions::temporal) as both style objectives use them.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "nst/stylize.h"

namespace nst::detail {

/// The targets at the size, device and dtype of `like` (1x3xHxW): coarse-to-fine scales optimize
/// smaller images than the frame the targets were warped to. Masks are clamped to [0, 1].
std::vector<TemporalTarget> fit_temporal_targets(const std::vector<TemporalTarget>& targets, const at::Tensor& like);

/// "temporal" for the first target, "temporal:i" for the others (the loss parts' names).
std::string temporal_part_name(size_t index);

/// Adds Σ weight · mean(mask · (x − image)²) to `parts` and its gradient 2·weight·mask·(x − image)/n
/// to `grad` in closed form (no autograd graph: the tiled objective's way); returns the sum.
double add_temporal_terms(const std::vector<TemporalTarget>& targets, const at::Tensor& x, at::Tensor& grad,
                          std::map<std::string, double>& parts);

}  // namespace nst::detail
