#pragma once
// The style-transfer objective: f(x) = wc·content + ws·Σ style + wtv·TV, with its gradient.
// Targets (content features, blended style Grams) are computed once at construction.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/stylize.h"

namespace nst::detail {

class StyleObjective {
 public:
  StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                 const StyleOptions& options);

  /// Loss at x; writes the gradient into grad. Records the weighted parts of this evaluation.
  double operator()(const at::Tensor& x, at::Tensor& grad);

  /// Weighted loss parts of the latest evaluation.
  const std::map<std::string, double>& parts() const { return parts_; }

 private:
  const FeatureNet& net_;
  StyleOptions options_;
  std::map<std::string, at::Tensor> content_targets_;
  std::map<std::string, at::Tensor> style_targets_;  // blended Gram matrices
  std::map<std::string, double> layer_weights_;
  std::map<std::string, double> parts_;
};

}  // namespace nst::detail
