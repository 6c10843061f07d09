// Spatial control (--style-mask): mask resampling, options checks, the masked objective, and a
// constructed two-region run where each region ends nearer its own style.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/losses.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

/// 1x1xHxW mask: 1 on the left `left` columns, 0 elsewhere (or the reverse).
at::Tensor half_mask(int h, int w, bool left_side) {
  at::Tensor m = at::zeros({1, 1, h, w});
  m.narrow(3, left_side ? 0 : w / 2, w / 2).fill_(1);
  return m;
}

/// Two very different synthetic textures: red/black horizontal stripes, cyan/white checkers.
at::Tensor stripes(int size) {
  at::Tensor rows = (at::arange(size).floor_divide(4).remainder(2)).to(at::kFloat).view({1, 1, size, 1});
  at::Tensor img = at::zeros({1, 3, size, size});
  img.select(1, 0).copy_(rows.expand({1, 1, size, size}).squeeze(1) * 0.9);
  img.select(1, 2).fill_(0.05);
  return img;
}
at::Tensor checkers(int size) {
  at::Tensor i = at::arange(size).floor_divide(3);
  at::Tensor c = (i.view({size, 1}) + i.view({1, size})).remainder(2).to(at::kFloat);
  at::Tensor img = at::stack({c, 0.6 + 0.4 * c, 0.7 + 0.3 * c}).unsqueeze(0);
  return img;
}

nst::StyleOptions small_options() {
  nst::StyleOptions o;
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  o.content_layers = {"relu3_1"};
  return o;
}

TEST(StyleMask, ResizeMaskAveragesAreasAndStaysInRange) {
  at::Tensor m = at::zeros({1, 1, 4, 4});
  m[0][0][0][0] = 1;  // one pixel of the top-left 2x2 block
  at::Tensor small = nst::resize_mask(m, 2, 2);
  EXPECT_NEAR(small[0][0][0][0].item<double>(), 0.25, 1e-6);
  EXPECT_EQ(small.sum().item<double>(), 0.25);
  at::Tensor big = nst::resize_mask(half_mask(8, 8, true), 20, 12);
  EXPECT_EQ(big.sizes(), (std::vector<int64_t>{1, 1, 20, 12}));
  EXPECT_GE(big.min().item<double>(), 0.0);
  EXPECT_LE(big.max().item<double>(), 1.0);
  EXPECT_NEAR(big.mean().item<double>(), 0.5, 0.02);
  EXPECT_THROW(nst::resize_mask(at::zeros({1, 3, 4, 4}), 2, 2), nst::Error);
}

TEST(StyleMask, ReadMaskReadsGreyLevels) {
  const std::string path = (std::filesystem::temp_directory_path() / "nst_test_mask.png").string();
  at::Tensor grey = at::zeros({1, 3, 8, 8});
  grey.narrow(3, 4, 4).fill_(1.0);
  grey.narrow(2, 0, 1).fill_(0.5);
  nst::write_image(grey, path);
  at::Tensor m = nst::read_mask(path, 8, 8);
  EXPECT_EQ(m.sizes(), (std::vector<int64_t>{1, 1, 8, 8}));
  EXPECT_NEAR(m[0][0][4][6].item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(m[0][0][4][1].item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(m[0][0][0][1].item<double>(), 128.0 / 255, 1e-3);
  std::filesystem::remove(path);
  EXPECT_THROW(nst::read_mask(path, 8, 8), nst::Error);  // gone: unreadable
}

TEST(StyleMask, OptionsAreChecked) {
  nst::StyleOptions o = small_options();
  o.style_masks = {half_mask(32, 32, true)};
  EXPECT_NO_THROW(nst::check_style_options(o, 1));
  EXPECT_THROW(nst::check_style_options(o, 2), nst::Error);  // one mask for two styles
  o.style_masks = {half_mask(32, 32, true) * 2};
  EXPECT_THROW(nst::check_style_options(o, 1), nst::Error);  // values beyond 1
  o.style_masks = {at::zeros({1, 1, 32, 32})};
  EXPECT_THROW(nst::check_style_options(o, 1), nst::Error);  // empty region
  o.style_masks = {half_mask(32, 32, true), half_mask(16, 16, false)};
  EXPECT_THROW(nst::check_style_options(o, 2), nst::Error);  // sizes differ
  o.style_masks = {half_mask(32, 32, true)};
  o.tile_size = 64;
  EXPECT_NO_THROW(nst::check_style_options(o, 1));  // tileable (tests/unit/test_tiling.cpp)
  o.tile_size = 0;
  o.style_loss = nst::StyleLoss::kSlicedWasserstein;
  EXPECT_THROW(nst::check_style_options(o, 1), nst::Error);  // not supported
  // A mask of another size than the content.
  o = small_options();
  o.style_masks = {half_mask(32, 32, true)};
  at::Tensor content = at::rand({1, 3, 40, 32});
  EXPECT_THROW(nst::check_style_image_sizes(embedded(), o, content, {content}), nst::Error);
}

// A single all-ones mask is no mask: the masked term then equals the unmasked one exactly.
TEST(StyleMask, AllOnesMaskEqualsTheUnmaskedObjective) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 40);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 36);
  for (nst::StyleLoss l : {nst::StyleLoss::kGram, nst::StyleLoss::kMeanCov}) {
    nst::StyleOptions o = small_options();
    o.style_loss = l;
    o.style_weight = nst::default_style_weight(l, false);
    nst::FeatureNet net(embedded(), o.pooling, {"relu3_1", "relu1_1", "relu2_1"});
    nst::detail::StyleObjective plain(net, content, {style}, o);
    o.style_masks = {at::ones({1, 1, content.size(2), content.size(3)})};
    nst::detail::StyleObjective masked(net, content, {style}, o);
    at::Tensor x = (content + 0.05 * at::randn(content.sizes(), at::detail::createCPUGenerator(3))).contiguous();
    at::Tensor g1, g2;
    const double f1 = plain(x, g1), f2 = masked(x, g2);
    EXPECT_NEAR(f2, f1, 1e-5 * f1) << nst::to_string(l);
    EXPECT_TRUE(at::allclose(g1, g2, 1e-4, 1e-6 * g1.abs().max().item<double>())) << nst::to_string(l);
  }
}

/// Sum over style layers of ‖G(region of x) − G(style)‖ / ‖G(style)‖.
double gram_distance(const nst::FeatureNet& net, const std::vector<std::string>& layers, const at::Tensor& x,
                     const at::Tensor& mask, const at::Tensor& style) {
  at::NoGradGuard no_grad;
  auto fx = net.forward(x), fs = net.forward(style);
  double d = 0;
  for (const auto& name : layers) {
    const at::Tensor& f = fx.at(name);
    at::Tensor m = nst::resize_mask(mask, static_cast<int>(f.size(2)), static_cast<int>(f.size(3)));
    at::Tensor target = nst::gram_matrix(fs.at(name));
    d += (nst::masked_gram(f, m) - target).norm().item<double>() / target.norm().item<double>();
  }
  return d;
}

// The test: a constructed two-region content (left half, right half), two very different
// styles, each on its own half. After a short run each half's Gram matrices are nearer its own
// style's than the other's. Without masks (the blend everywhere) the content decides where each
// style goes: measured, the light half ends nearer the bright checkers and the dark half nearer
// the stripes (own/other 14.3 and 9.7, against 0.094 and 0.072 with masks).
TEST(StyleMask, EachRegionEndsNearerItsOwnStyle) {
  const int size = 64;
  // Two-region content: a light left half, a dark right half, with a little seeded noise.
  at::Tensor content = at::full({1, 3, size, size}, 0.7f);
  content.narrow(3, size / 2, size / 2).fill_(0.3f);
  content = (content + 0.05 * at::randn(content.sizes(), at::detail::createCPUGenerator(5))).clamp(0, 1);
  const at::Tensor a = stripes(size), b = checkers(size);
  const at::Tensor left = half_mask(size, size, true), right = half_mask(size, size, false);
  nst::StyleOptions o = small_options();
  o.iterations = 40;
  o.content_weight = 0.1;
  o.trim_style_borders = false;  // the stripes' rows are uniform lines: keep them all
  nst::FeatureNet net(embedded(), o.pooling, o.style_layers);
  auto separation = [&](const at::Tensor& x) {
    // own / other distance for each half (< 1: nearer its own style)
    const double l = gram_distance(net, o.style_layers, x, left, a) / gram_distance(net, o.style_layers, x, left, b);
    const double r = gram_distance(net, o.style_layers, x, right, b) / gram_distance(net, o.style_layers, x, right, a);
    return std::make_pair(l, r);
  };
  const at::Tensor plain = nst::run_style(embedded(), content, {a, b}, o).image;
  o.style_masks = {left, right};
  const at::Tensor masked = nst::run_style(embedded(), content, {a, b}, o).image;
  const auto [ml, mr] = separation(masked);
  const auto [pl, pr] = separation(plain);
  RecordProperty("masked_left", std::to_string(ml));
  RecordProperty("masked_right", std::to_string(mr));
  RecordProperty("plain_left", std::to_string(pl));
  RecordProperty("plain_right", std::to_string(pr));
  std::printf("own/other Gram distance: masked left %.3f right %.3f; unmasked left %.3f right %.3f\n", ml, mr, pl, pr);
  EXPECT_LT(ml, 0.5);
  EXPECT_LT(mr, 0.5);
  EXPECT_LT(ml, pl);
  EXPECT_LT(mr, pr);
}

TEST(StyleMask, CoarseToFineRunsWithMasks) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 48);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 48);
  nst::StyleOptions o = small_options();
  o.iterations = 3;
  o.scales = 2;
  o.style_masks = {half_mask(static_cast<int>(content.size(2)), static_cast<int>(content.size(3)), true),
                   half_mask(static_cast<int>(content.size(2)), static_cast<int>(content.size(3)), false)};
  std::vector<double> losses;
  nst::StyleResult r = nst::run_style(embedded(), content, {style, checkers(40)}, o,
                                      [&](const nst::IterationReport& rep, const at::Tensor&) {
                                        losses.push_back(rep.loss);
                                        return true;
                                      });
  EXPECT_EQ(r.stop, nst::StopReason::kIterations);
  EXPECT_EQ(r.image.sizes(), content.sizes());
  ASSERT_GE(losses.size(), 6u);
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
}

}  // namespace
