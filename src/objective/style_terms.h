#pragma once
// The registration of a style run's loss terms: the one place that turns StyleOptions into terms.
#include <memory>
#include <vector>

#include "nst/stylize.h"
#include "objective/term.h"

namespace nst::detail {

/// The terms of a style run with `style_count` style images, in the order their losses add up:
/// content layers (by name), style layers (by name), TV, temporal targets, range penalty. Terms
/// whose weight is zero are left out. `like`: a 1x3xHxW tensor of this scale's image size,
/// device and dtype (masks and temporal targets are fitted to it).
std::vector<std::unique_ptr<Term>> make_style_terms(const StyleOptions& options, size_t style_count,
                                                    const at::Tensor& like);

}  // namespace nst::detail
