#include "objective/tiles.h"

#include <algorithm>

#include "nst/error.h"
#include "objective/term.h"

namespace nst::detail {
namespace {

int64_t round_up(int64_t n, int64_t step) { return (n + step - 1) / step * step; }

}  // namespace

int64_t layer_stride(const std::string& name) {
  const int block = name[name.find_first_of("0123456789")] - '0';
  return int64_t{1} << (name[0] == 'p' ? block : block - 1);
}

at::Tensor crop_of(const at::Tensor& image, const Tile& t) {
  return image.narrow(2, t.cy0, t.cy1 - t.cy0).narrow(3, t.cx0, t.cx1 - t.cx0);
}

TileGeometry tile_geometry(VggArch arch, const std::vector<std::string>& layers) {
  const auto all = layer_names(arch);
  size_t deepest = 0;
  for (const auto& n : layers) deepest = std::max(deepest, size_t(std::find(all.begin(), all.end(), n) - all.begin()));
  // Output position p at stride d sees input [p·d − left, p·d − left + rf − 1].
  int64_t left = 0, rf = 1, jump = 1;
  for (size_t i = 0; i <= deepest && i < all.size(); ++i) {
    if (all[i][0] == 'c') {
      left += jump;
      rf += 2 * jump;
    } else if (all[i][0] == 'p') {
      rf += jump;
      jump *= 2;
    }
  }
  const int64_t right = rf - 1 - left - jump;  // past the last input pixel of the core's last position
  TileGeometry g;
  g.align = jump;
  g.halo = round_up(std::max<int64_t>({left, right, 1}), jump);
  return g;
}

std::vector<Tile> make_tiles(int64_t height, int64_t width, int64_t tile, const TileGeometry& g) {
  NST_CHECK(tile > 0, kUsage, "tile size must be positive");
  const int64_t step = round_up(tile, g.align);
  std::vector<Tile> tiles;
  for (int64_t y = 0; y < height; y += step) {
    for (int64_t x = 0; x < width; x += step) {
      Tile t{y, std::min(height, y + step), x, std::min(width, x + step), 0, 0, 0, 0};
      t.cy0 = std::max<int64_t>(0, y - g.halo);
      t.cy1 = std::min(height, t.y1 + g.halo);
      t.cx0 = std::max<int64_t>(0, x - g.halo);
      t.cx1 = std::min(width, t.x1 + g.halo);
      tiles.push_back(t);
    }
  }
  return tiles;
}

CoreFeatures::CoreFeatures(const Features& features) : features_(features) {}

CoreFeatures::CoreFeatures(const Features& features, const Tile& tile, int64_t height, int64_t width)
    : features_(features), tile_(&tile), height_(height), width_(width) {}

at::Tensor CoreFeatures::operator[](const std::string& layer) const {
  const at::Tensor& f = features_.at(layer);
  if (!tile_) return f;
  const Tile& t = *tile_;
  const int64_t stride = layer_stride(layer);
  const int64_t fy0 = (t.y0 - t.cy0) / stride, fx0 = (t.x0 - t.cx0) / stride;
  // An interior core end is aligned; at the image end the map's own (floored) end is the core's.
  const int64_t fy1 = t.y1 == t.cy1 ? f.size(2) : (t.y1 - t.cy0) / stride;
  const int64_t fx1 = t.x1 == t.cx1 ? f.size(3) : (t.x1 - t.cx0) / stride;
  return f.narrow(2, fy0, std::max<int64_t>(0, fy1 - fy0)).narrow(3, fx0, std::max<int64_t>(0, fx1 - fx0));
}

at::Tensor CoreFeatures::same_region(const at::Tensor& whole, const std::string& layer) const {
  if (!tile_) return whole;
  const at::Tensor core = (*this)[layer];
  const int64_t stride = layer_stride(layer);
  return whole.narrow(2, tile_->y0 / stride, core.size(2)).narrow(3, tile_->x0 / stride, core.size(3));
}

std::pair<int64_t, int64_t> CoreFeatures::whole_grid(const std::string& layer) const {
  if (!tile_) return {features_.at(layer).size(2), features_.at(layer).size(3)};
  const int64_t stride = layer_stride(layer);
  return {height_ / stride, width_ / stride};
}

}  // namespace nst::detail
