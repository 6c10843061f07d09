// nst texture (run_texture): no content, any size, and --tileable's wrap-around.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/texture.h"
#include "nst/weights.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

const at::Tensor& starry() {
  static const at::Tensor s = nst::read_image(kExamples + "starry_night.jpg", 64);
  return s;
}

nst::TextureOptions small_texture(int iterations, bool tileable) {
  nst::TextureOptions o;
  o.width = 64;
  o.height = 48;
  o.tileable = tileable;
  o.style.iterations = iterations;
  o.style.seed = 5;
  return o;
}

/// Mean |difference| of neighbouring pixels across each boundary between columns j and j+1 of
/// 1xCxHxW x, the last one (column W-1 against column 0) being the wrap seam.
struct SeamStats {
  double seam = 0;      // across the wrap seam
  double interior = 0;  // mean over the W-1 interior boundaries
  double spread = 0;    // their standard deviation
};
SeamStats column_seam(const at::Tensor& x) {
  at::Tensor d = (at::roll(x, {-1}, {3}) - x).abs().mean({0, 1, 2}).to(at::kDouble);
  const int64_t w = d.size(0);
  at::Tensor inner = d.narrow(0, 0, w - 1);
  return {d[w - 1].item<double>(), inner.mean().item<double>(), inner.std().item<double>()};
}
SeamStats row_seam(const at::Tensor& x) { return column_seam(x.transpose(2, 3)); }

TEST(Texture, NonSquareSizeLossFallsDeterministic) {
  std::vector<double> losses;
  auto record = [&](const nst::IterationReport& r, const at::Tensor&) {
    losses.push_back(r.loss);
    return true;
  };
  const nst::TextureOptions o = small_texture(20, false);
  nst::StyleResult a = nst::run_texture(embedded(), {starry()}, o, record);
  ASSERT_EQ(a.image.sizes(), (at::IntArrayRef{1, 3, 48, 64}));
  ASSERT_GE(losses.size(), 10u);
  EXPECT_LT(losses.back(), 0.2 * losses.front());
  EXPECT_FALSE(a.last.parts.count("content:relu3_1"));  // no content term
  EXPECT_TRUE(a.last.parts.count("style:relu5_1"));
  EXPECT_GE(a.image.min().item<float>(), 0.0f);
  EXPECT_LE(a.image.max().item<float>(), 1.0f);
  EXPECT_TRUE(at::equal(a.image, nst::run_texture(embedded(), {starry()}, o).image));
}

TEST(Texture, TileableWrapsWithoutSeam) {
  // Measured (seed 5, 60 iterations): tileable seam/interior 0.82 across columns, 0.97 across
  // rows, both within 1 sd of the interior boundaries; plain 2.69 and 3.06 (3.6 and 7.0 sd).
  const nst::StyleResult tiled = nst::run_texture(embedded(), {starry()}, small_texture(60, true));
  const nst::StyleResult plain = nst::run_texture(embedded(), {starry()}, small_texture(60, false));
  for (const SeamStats& s : {column_seam(tiled.image), row_seam(tiled.image)}) {
    EXPECT_LT(s.seam, 1.3 * s.interior);  // the seam is an ordinary boundary
    EXPECT_LT(std::abs(s.seam - s.interior), 2 * s.spread);
  }
  for (const SeamStats& s : {column_seam(plain.image), row_seam(plain.image)}) {
    EXPECT_GT(s.seam, 2 * s.interior);  // opposite edges of a plain texture do not meet
  }
}

TEST(Texture, BadOptionsAreUsageErrors) {
  auto kind_of = [](const nst::TextureOptions& o) {
    try {
      nst::run_texture(embedded(), {starry()}, o);
    } catch (const nst::Error& e) {
      return e.kind();
    }
    return nst::ErrorKind::kNumeric;  // not thrown: anything but kUsage
  };
  nst::TextureOptions small = small_texture(1, false);
  small.width = 12;  // relu5_1 needs 32 px with reflect padding
  EXPECT_EQ(kind_of(small), nst::ErrorKind::kUsage);
  nst::TextureOptions tiled = small_texture(1, true);
  tiled.style.tile_size = 32;
  EXPECT_EQ(kind_of(tiled), nst::ErrorKind::kUsage);
  nst::TextureOptions from_content = small_texture(1, false);
  from_content.style.init = nst::InitKind::kContent;
  EXPECT_EQ(kind_of(from_content), nst::ErrorKind::kUsage);
  EXPECT_THROW(nst::run_texture(embedded(), {}, small_texture(1, false)), nst::Error);
}

}  // namespace
