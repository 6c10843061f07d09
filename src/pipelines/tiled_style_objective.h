#pragma once
// The style objective evaluated tile by tile, for images whose activations do not fit in memory,
// without seams: tiles overlap by the deepest layer's reach, each feature position belongs to
// exactly one tile's core, Gram matrices (mean-cov: also feature sums) are summed over all cores
// before the loss, and each
// tile's gradient is pulled back through its own forward pass. The loss and gradient equal the
// untiled ones up to float rounding (tests/unit/test_tiling.cpp).
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "nst/losses.h"
#include "nst/network.h"
#include "nst/stylize.h"

namespace nst::detail {

/// One tile: the core it owns and the crop (core + halo, clipped to the image) it runs on, px.
struct Tile {
  int64_t y0, y1, x0, x1;          // core
  int64_t cy0, cy1, cx0, cx1;      // crop
};

/// Overlap (px) a tile needs around its core so that features of `layers` in the core are exact,
/// and the alignment (px) crops need so that pooling windows fall as in the whole image.
struct TileGeometry {
  int64_t halo = 0, align = 1;
};
TileGeometry tile_geometry(VggArch arch, const std::vector<std::string>& layers);

/// Tiles of core side `tile` (rounded up to the alignment) covering height x width.
std::vector<Tile> make_tiles(int64_t height, int64_t width, int64_t tile, const TileGeometry& geometry);

/// weight · tv_loss(x), computed over bands of `band` rows so that no image-sized temporaries are
/// made (a whole-image autograd TV keeps about ten: 8 GB at 8192²); adds its gradient to grad
/// and returns its value. Equal to the whole-image term up to float summation order.
double add_banded_tv(const at::Tensor& x, double weight, int64_t band, at::Tensor& grad);

class TiledStyleObjective {
 public:
  TiledStyleObjective(const FeatureNet& net, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options);

  /// Loss at x; writes the gradient into grad (two passes over the tiles).
  double operator()(const at::Tensor& x, at::Tensor& grad);
  const std::map<std::string, double>& parts() const { return parts_; }
  size_t tile_count(int64_t height, int64_t width) const;

 private:
  struct Sums {
    std::map<std::string, at::Tensor> gram;   // Σ over cores of F Fᵀ, per style layer
    std::map<std::string, at::Tensor> sum;    // kMeanCov: Σ over cores of F (per channel)
    std::map<std::string, int64_t> positions; // feature positions summed, per style layer
    std::map<std::string, double> content;    // Σ (F − T)², per content layer
  };
  Sums accumulate(const at::Tensor& image, bool with_content) const;

  const FeatureNet& net_;
  StyleOptions options_;
  TileGeometry geometry_;
  std::map<std::string, at::Tensor> content_targets_;  // whole-image features
  std::map<std::string, int64_t> content_sizes_;       // elements of each whole-image target
  std::map<std::string, at::Tensor> style_targets_;    // kGram: blended Gram matrices
  std::map<std::string, MeanCovTarget> mean_cov_targets_;  // kMeanCov: from blended moments
  std::map<std::string, double> layer_weights_;
  std::vector<TemporalTarget> temporal_;  // video: at this scale's size
  std::map<std::string, double> parts_;
};

}  // namespace nst::detail
