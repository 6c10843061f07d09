#pragma once
// The style-transfer objective: f(x) = wc·content + ws·Σ style + wtv·TV (+ temporal terms for
// video frames), with its gradient.
// Targets (content features, blended style statistics for the chosen StyleLoss) are computed
// once at construction.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nst/losses.h"
#include "nst/network.h"
#include "nst/stylize.h"

namespace nst::detail {

class MaskedStyleTerm;  // pipelines/masked_style_term.h (this header is also included from bench/)

class StyleObjective {
 public:
  /// style_features: where to look up (and keep) the styles' features; nullptr: compute them.
  StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                 const StyleOptions& options, StyleFeatureCache* style_features = nullptr);
  ~StyleObjective();

  /// Loss at x; writes the gradient into grad. Records the weighted parts of this evaluation.
  double operator()(const at::Tensor& x, at::Tensor& grad);

  /// Weighted loss parts of the latest evaluation.
  const std::map<std::string, double>& parts() const { return parts_; }

  /// Sliced Wasserstein: draw new directions (from options.seed and `round`; round 0 is the
  /// construction's) and the targets that go with them. Changes f: restart the optimizer.
  void redraw_directions(uint64_t round);

  /// The unweighted style loss of one layer's features (the chosen StyleLoss against its target).
  at::Tensor style_term(const std::string& layer, const at::Tensor& features);

 private:
  const FeatureNet& net_;
  StyleOptions options_;
  std::map<std::string, at::Tensor> content_targets_;
  std::map<std::string, at::Tensor> style_targets_;  // kGram: blended Gram matrices
  std::map<std::string, MeanCovTarget> mean_cov_targets_;  // kMeanCov: from blended moments
  // kSlicedWasserstein: per layer the styles' features (C x M each), their blend weights, the
  // directions, and the target quantiles for the image's position count (made at first use).
  struct Sliced {
    std::vector<at::Tensor> style_features;
    std::vector<double> blend;
    at::Tensor directions;
    at::Tensor target;
  };
  std::map<std::string, Sliced> sliced_;
  std::unique_ptr<MaskedStyleTerm> masked_;  // --style-mask: replaces the blended targets above
  bool has_style_ = false;
  std::map<std::string, double> layer_weights_;
  std::vector<TemporalTarget> temporal_;  // video: at this scale's size, on the device
  std::map<std::string, double> parts_;
};

}  // namespace nst::detail
