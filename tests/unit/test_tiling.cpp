// Tiled style objective: the same loss and gradient as the whole-image objective, on sizes that
// fit both ways, with tiles small enough that every image is cut many times.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/losses.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"
#include "objective/tv_term.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

nst::VggWeights embedded_as(at::ScalarType type) {
  nst::VggWeights w = nst::make_embedded_vgg();
  for (auto& t : w.weights) t = t.to(type);
  for (auto& t : w.biases) t = t.to(type);
  return w;
}

TEST(Tiling, GeometryFollowsTheDeepestLayer) {
  // relu3_1: stride 4; reach 1+1 (block 1) + 2+2 (block 2) + 4 (conv3_1) = 10 px left -> 12.
  auto g = nst::detail::tile_geometry(nst::VggArch::kVgg19, {"relu1_1", "relu3_1"});
  EXPECT_EQ(g.align, 4);
  EXPECT_EQ(g.halo % g.align, 0);
  EXPECT_GE(g.halo, 10);
  // conv5_1 (receptive field 156 px): stride 16, reach 70 px left, 69 past the core -> 80.
  g = nst::detail::tile_geometry(nst::VggArch::kVgg19, {"relu5_1"});
  EXPECT_EQ(g.align, 16);
  EXPECT_EQ(g.halo, 80);
}

TEST(Tiling, TilesCoverTheImageOnceWithAlignedCrops) {
  const auto g = nst::detail::tile_geometry(nst::VggArch::kVgg19, {"relu3_1"});
  const auto tiles = nst::detail::make_tiles(70, 45, 16, g);
  std::vector<int> covered(70 * 45, 0);
  for (const auto& t : tiles) {
    EXPECT_EQ(t.cy0 % g.align, 0);
    EXPECT_EQ(t.cx0 % g.align, 0);
    EXPECT_TRUE(t.cy1 == 70 || t.cy1 % g.align == 0);
    for (int64_t y = t.y0; y < t.y1; ++y)
      for (int64_t x = t.x0; x < t.x1; ++x) ++covered[y * 45 + x];
  }
  for (int c : covered) ASSERT_EQ(c, 1);
}

// Loss and gradient of both objectives at the same (not yet optimized) image.
void expect_same(const nst::VggWeights& weights, const nst::StyleOptions& base, const at::Tensor& content,
                 const at::Tensor& style, const at::Tensor& x, int tile, double tolerance) {
  std::vector<std::string> layers = base.content_layers;
  layers.insert(layers.end(), base.style_layers.begin(), base.style_layers.end());
  nst::FeatureNet net(weights, base.pooling, layers);
  nst::detail::StyleObjective whole(net, content, {style}, base);
  nst::StyleOptions tiled_options = base;
  tiled_options.tile_size = tile;
  nst::detail::StyleObjective tiled(net, content, {style}, tiled_options);
  ASSERT_GT(tiled.tile_count(x.size(2), x.size(3)), 4u);
  at::Tensor g_whole, g_tiled;
  const double f_whole = whole(x, g_whole), f_tiled = tiled(x, g_tiled);
  EXPECT_NEAR(f_tiled, f_whole, tolerance * std::abs(f_whole));
  for (const auto& [name, value] : whole.parts()) {
    EXPECT_NEAR(tiled.parts().at(name), value, tolerance * std::abs(value) + 1e-12) << name;
  }
  const double scale = g_whole.abs().max().item<double>();
  EXPECT_LT((g_tiled - g_whole).abs().max().item<double>(), tolerance * scale);
}

TEST(Tiling, EqualsTheWholeImageInDoublePrecision) {
  const nst::VggWeights weights = embedded_as(at::kDouble);
  nst::StyleOptions o;
  o.content_layers = {"relu2_1"};
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 75).to(at::kDouble);  // 75x50: odd sizes
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64).to(at::kDouble);
  at::Tensor x = (content + 0.1 * at::randn(content.sizes(), at::kDouble)).contiguous();
  expect_same(weights, o, content, style, x, /*tile=*/16, 1e-9);
}

TEST(Tiling, TemporalTermsEqualTheWholeImageInDoublePrecision) {
  // Video: two temporal targets (one at another size, as at a coarse scale) on top of the style run.
  const nst::VggWeights weights = embedded_as(at::kDouble);
  nst::StyleOptions o;
  o.content_layers = {"relu2_1"};
  o.style_layers = {"relu1_1", "relu2_1"};
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 75).to(at::kDouble);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64).to(at::kDouble);
  auto gen = at::detail::createCPUGenerator(3);
  o.temporal.push_back({at::rand(content.sizes(), gen, at::kDouble), at::rand({1, 1, 50, 75}, gen, at::kDouble), 200.0});
  o.temporal.push_back({at::rand({1, 3, 40, 60}, gen, at::kDouble), at::rand({1, 1, 40, 60}, gen, at::kDouble), 50.0});
  at::Tensor x = (content + 0.1 * at::randn(content.sizes(), gen, at::kDouble)).contiguous();
  expect_same(weights, o, content, style, x, /*tile=*/16, 1e-9);
}

TEST(Tiling, EqualsTheWholeImageAtTheDeepestLayers) {
  const nst::VggWeights weights = embedded_as(at::kFloat);
  nst::StyleOptions o;  // relu3_1 content, relu1_1..relu5_1 style: halo 80 px
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 160);  // 160x106: 4x3 tiles of 48
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 96);
  at::Tensor x = (content + 0.1 * at::randn(content.sizes())).contiguous();
  expect_same(weights, o, content, style, x, /*tile=*/48, 2e-4);
}

TEST(Tiling, BandedTotalVariationEqualsTheWholeImageTerm) {
  at::manual_seed(1);
  for (const int64_t band : {1, 7, 16, 200}) {  // 1-row bands, uneven, exact fit, one band
    const at::Tensor x = at::rand({1, 3, 33, 21}, at::kDouble);
    at::Tensor image = x.detach().requires_grad_(true);
    at::Tensor want = 3.0 * nst::tv_loss(image);
    want.backward();
    at::Tensor grad = at::zeros_like(x);
    const double got = nst::detail::add_banded_tv(x, 3.0, band, grad);
    EXPECT_NEAR(got, want.item<double>(), 1e-12 * want.item<double>()) << band;
    EXPECT_LT((grad - image.grad()).abs().max().item<double>(), 1e-14) << band;
  }
}

TEST(Tiling, ATiledRunMatchesAnUntiledRun) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 64);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64);
  nst::StyleOptions o;
  o.iterations = 5;
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  const nst::VggWeights weights = nst::make_embedded_vgg();
  const nst::StyleResult whole = nst::run_style(weights, content, {style}, o);
  o.tile_size = 16;
  const nst::StyleResult tiled = nst::run_style(weights, content, {style}, o);
  EXPECT_NEAR(tiled.last.loss, whole.last.loss, 1e-3 * whole.last.loss);
  EXPECT_LT((tiled.image - whole.image).abs().max().item<float>(), 2e-3);
}

}  // namespace

namespace {

TEST(Tiling, MeanCovEqualsTheWholeImageInDoublePrecision) {
  const nst::VggWeights weights = embedded_as(at::kDouble);
  nst::StyleOptions o;
  o.style_loss = nst::StyleLoss::kMeanCov;
  o.style_weight = nst::default_style_weight(o.style_loss, false);
  o.content_layers = {"relu2_1"};
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 75).to(at::kDouble);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64).to(at::kDouble);
  at::Tensor x = (content + 0.1 * at::randn(content.sizes(), at::kDouble)).contiguous();
  expect_same(weights, o, content, style, x, /*tile=*/16, 1e-8);
}

TEST(Tiling, MaskedStyleEqualsTheWholeImageInDoublePrecision) {
  // --style-mask through the generic tiled path: each region's statistics summed over the tiles.
  const nst::VggWeights weights = embedded_as(at::kDouble);
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 75).to(at::kDouble);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64).to(at::kDouble);
  at::Tensor x = (content + 0.1 * at::randn(content.sizes(), at::detail::createCPUGenerator(5), at::kDouble)).contiguous();
  for (nst::StyleLoss loss : {nst::StyleLoss::kGram, nst::StyleLoss::kMeanCov}) {
    nst::StyleOptions o;
    o.style_loss = loss;
    o.style_weight = nst::default_style_weight(loss, false);
    o.content_layers = {"relu2_1"};
    o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
    // A soft left-to-right ramp: every tile sees another part of the region.
    o.style_masks = {at::linspace(0.0, 1.0, 75).view({1, 1, 1, 75}).expand({1, 1, 50, 75}).contiguous()};
    expect_same(weights, o, content, style, x, /*tile=*/16, 1e-8);
  }
}

TEST(Tiling, MeanCovEqualsTheWholeImageInFloat) {
  const nst::VggWeights weights = embedded_as(at::kFloat);
  nst::StyleOptions o;
  o.style_loss = nst::StyleLoss::kMeanCov;
  o.style_weight = nst::default_style_weight(o.style_loss, false);
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 80);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64);
  at::Tensor x = (content + 0.1 * at::randn(content.sizes())).contiguous();
  expect_same(weights, o, content, style, x, /*tile=*/16, 1e-4);
}

TEST(Tiling, SlicedWassersteinIsRefused) {
  nst::StyleOptions o;
  o.style_loss = nst::StyleLoss::kSlicedWasserstein;
  o.tile_size = 32;
  try {
    nst::check_style_options(o, 1);
    FAIL() << "no error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("cannot be tiled"), std::string::npos);
  }
}

}  // namespace
