#pragma once
// One loss term of an objective (content MSE, Gram, TV, ...): a weighted scalar on named layers
// or on the image. Each term is a small unit with its own file; style_terms.cpp registers them.
// A term answers two ways:
//  - untiled: loss(features, image), differentiated by autograd with the rest of the objective;
//  - tiled: accumulate() gives statistics of a tile core's features that add up over tiles
//    (Σ F Fᵀ, Σ F, counts, Σ (F − T)²), and loss_from() the loss from their totals. The tiled
//    objective takes dL/dstatistics by autograd and pulls it back tile by tile: no term
//    hand-derives a gradient.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nst::detail {

struct Tile;  // objective/tiles.h

using Features = std::map<std::string, at::Tensor>;

/// Sums over feature positions, each of which adds up elementwise over tiles.
using Statistics = std::vector<at::Tensor>;

/// The features of one tile's core, or of the whole image (no tile): what a term reads, and
/// where that region lies in the whole image's feature grid.
class CoreFeatures {
 public:
  /// Whole image: its features as they are.
  explicit CoreFeatures(const Features& features);
  /// One tile (crop features) of an image of height x width px.
  CoreFeatures(const Features& features, const Tile& tile, int64_t height, int64_t width);

  /// The core's part of a layer's features, 1xCxhxw.
  at::Tensor operator[](const std::string& layer) const;
  /// The same region of a whole-image map on the layer's grid (a content target, a mask).
  at::Tensor same_region(const at::Tensor& whole, const std::string& layer) const;
  /// The whole image's grid of a layer: {height, width} of its feature map.
  std::pair<int64_t, int64_t> whole_grid(const std::string& layer) const;

 private:
  const Features& features_;
  const Tile* tile_ = nullptr;
  int64_t height_ = 0, width_ = 0;
};

/// What a term keeps between evaluations, for the memory model: per layer the whole image's
/// feature shape (C, h, w) at the run's size.
struct LayerShape {
  int64_t channels = 0, height = 0, width = 0;
};

class Term {
 public:
  virtual ~Term() = default;

  /// The key of the loss parts map ("content:relu3_1", "style:relu1_1", "tv", "temporal", "range").
  virtual std::string name() const = 0;
  /// The network layers it reads; empty for image-space terms (TV, temporal, range).
  virtual std::vector<std::string> layers() const { return {}; }

  /// Target set-up, before the first evaluation: the features of the content image and of each
  /// style image (whole, or one tile core at a time), then finish_targets() once.
  virtual bool reads_content() const { return false; }
  virtual bool reads_styles() const { return false; }
  virtual void add_content(const CoreFeatures& /*core*/) {}
  virtual void add_style(size_t /*style*/, const CoreFeatures& /*core*/) {}
  virtual void finish_targets() {}

  /// The weighted loss of the whole image, differentiable by autograd (features: the network's
  /// taps of `image`; empty when no term reads a layer).
  virtual at::Tensor loss(const Features& features, const at::Tensor& image) = 0;

  /// Tiled evaluation of a feature term: whether its statistics add up over tiles; if not, a
  /// tiled objective refuses it with this one-line reason.
  virtual std::string untileable_reason() const { return ""; }
  virtual Statistics accumulate(const CoreFeatures& /*core*/) const { return {}; }
  /// The weighted loss from the statistics summed over all tile cores (differentiable in them).
  virtual at::Tensor loss_from(const Statistics& /*total*/) const { return {}; }

  /// Tiled evaluation of an image-space term: adds its gradient at x to grad and returns its
  /// value, without the whole-image autograd graph where it can (memory at 8192²).
  virtual double add_image_term(const at::Tensor& x, at::Tensor& grad);

  /// Sliced Wasserstein: new random directions for `round` (changes the loss).
  virtual void redraw(uint64_t /*round*/) {}

  /// Bytes it keeps (targets, per-style statistics) for a run of layer shapes `shapes` and
  /// `styles` style images; the memory model adds them up.
  virtual uint64_t kept_bytes(const std::map<std::string, LayerShape>& /*shapes*/, size_t /*styles*/) const {
    return 0;
  }
};

}  // namespace nst::detail
