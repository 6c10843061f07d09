#pragma once
// The style-transfer objective: a list of weighted loss terms (objective/style_terms.h), their
// sum f(x) and its gradient. Targets are set up once at construction. Untiled, one forward pass
// with every term's layers, the terms' losses summed, one backward pass. Tiled
// (options.tile_size > 0; tiled_evaluation.cpp), for images whose activations do not fit: the
// terms' statistics summed over tile cores, then each tile's gradient pulled back through its
// own forward pass. Both give the same loss and gradient up to float rounding
// (tests/unit/test_tiling.cpp).
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/stylize.h"
#include "objective/term.h"
#include "objective/tiles.h"

namespace nst::detail {

class StyleObjective {
 public:
  /// style_features: where to look up (and keep) the styles' whole-image features (untiled);
  /// nullptr: compute them.
  StyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                 const StyleOptions& options, StyleFeatureCache* style_features = nullptr);
  ~StyleObjective();

  /// Loss at x; writes the gradient into grad (reusing its buffer when it fits). Records the
  /// weighted parts of this evaluation.
  double operator()(const at::Tensor& x, at::Tensor& grad);

  /// Weighted loss parts of the latest evaluation, by term name.
  const std::map<std::string, double>& parts() const { return parts_; }

  /// Sliced Wasserstein: draw new directions (from options.seed and `round`; round 0 is the
  /// construction's) and the targets that go with them. Changes f: restart the optimizer.
  void redraw_directions(uint64_t round);

  /// Tiles an evaluation at height x width runs on (1 untiled).
  size_t tile_count(int64_t height, int64_t width) const;

  const std::vector<std::unique_ptr<Term>>& terms() const { return terms_; }

 private:
  using CoreVisitor = std::function<void(const CoreFeatures&)>;
  /// Runs the network (no gradients) over the whole image, or over each tile, and visits the cores.
  void for_each_core(const at::Tensor& image, const CoreVisitor& visit) const;
  double evaluate_whole(const at::Tensor& x, at::Tensor& grad);
  double evaluate_tiled(const at::Tensor& x, at::Tensor& grad);  // tiled_evaluation.cpp

  const FeatureNet& net_;
  int64_t tile_size_ = 0;
  TileGeometry geometry_;
  std::vector<std::unique_ptr<Term>> terms_;
  bool reads_layers_ = false;  // some term reads the network's features
  std::map<std::string, double> parts_;
};

}  // namespace nst::detail
