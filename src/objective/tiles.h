#pragma once
// Tiles for the tiled objective: each feature position belongs to exactly one tile's core, and
// each tile's crop (core + halo) is wide enough that the core's features equal the whole image's.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "nst/network.h"

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

/// Pixels per feature position at a layer: 2^(poolings before it).
int64_t layer_stride(const std::string& layer);

/// The tile's crop of a 1xCxHxW image (a view).
at::Tensor crop_of(const at::Tensor& image, const Tile& tile);

}  // namespace nst::detail
