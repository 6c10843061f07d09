// The --style-loss choices end to end: names, per-loss default weights, objectives and runs on
// tiny images with the embedded network.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";
const nst::StyleLoss kAll[] = {nst::StyleLoss::kGram, nst::StyleLoss::kMeanCov, nst::StyleLoss::kSlicedWasserstein};

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

nst::StyleOptions options_for(nst::StyleLoss loss, int iterations) {
  nst::StyleOptions o;
  o.style_loss = loss;
  o.style_weight = nst::default_style_weight(loss, false);
  o.iterations = iterations;
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  return o;
}

TEST(StyleLoss, NamesRoundTrip) {
  for (nst::StyleLoss l : kAll) EXPECT_EQ(nst::parse_style_loss(nst::to_string(l)), l);
  EXPECT_EQ(nst::to_string(nst::StyleOptions{}.style_loss), "gram");
  EXPECT_THROW(nst::parse_style_loss("gramm"), nst::Error);
}

TEST(StyleLoss, DefaultWeightsKeepGramsAndArePositive) {
  EXPECT_EQ(nst::default_style_weight(nst::StyleLoss::kGram, false), nst::StyleOptions{}.style_weight);
  EXPECT_EQ(nst::default_style_weight(nst::StyleLoss::kGram, true), nst::trained_vgg_style_defaults().style_weight);
  for (nst::StyleLoss l : kAll) {
    EXPECT_GT(nst::default_style_weight(l, false), 0) << nst::to_string(l);
    EXPECT_GT(nst::default_style_weight(l, true), 0) << nst::to_string(l);
  }
}

// f must be a function of x (L-BFGS's line search compares values): the same x, the same loss.
TEST(StyleLoss, ObjectivesAreDeterministicAndZeroStyleAtTheStyle) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 40);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 40);
  for (nst::StyleLoss l : kAll) {
    nst::StyleOptions o = options_for(l, 1);
    o.content_weight = 0;
    o.tv_weight = 0;
    nst::FeatureNet net(embedded(), o.pooling, o.style_layers);
    nst::detail::StyleObjective objective(net, content, {style}, o);
    at::Tensor g1, g2;
    const double f1 = objective(content, g1), f2 = objective(content, g2);
    EXPECT_EQ(f1, f2) << nst::to_string(l);
    EXPECT_TRUE(at::equal(g1, g2)) << nst::to_string(l);
    EXPECT_GT(f1, 0) << nst::to_string(l);
    // The style image itself (same size, so no resampling) scores ~0 under every loss.
    nst::detail::StyleObjective at_style(net, style, {style}, o);
    at::Tensor g;
    EXPECT_LT(at_style(style, g), 1e-6 * f1) << nst::to_string(l);
  }
}

TEST(StyleLoss, EveryLossRunsAndLowersItsLoss) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 48);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 48);
  for (nst::StyleLoss l : kAll) {
    std::vector<double> losses;
    nst::StyleResult r = nst::run_style(embedded(), content, {style}, options_for(l, 10),
                                        [&](const nst::IterationReport& rep, const at::Tensor&) {
                                          losses.push_back(rep.loss);
                                          return true;
                                        });
    ASSERT_GE(losses.size(), 5u) << nst::to_string(l);
    EXPECT_LT(losses.back(), 0.7 * losses.front()) << nst::to_string(l);
    EXPECT_EQ(r.image.sizes(), content.sizes());
    EXPECT_TRUE(r.last.parts.count("style:relu2_1")) << nst::to_string(l);
  }
}

TEST(StyleLoss, SlicedRunsRepeatPerSeedAndRedrawsRun) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 32);
  nst::StyleOptions o = options_for(nst::StyleLoss::kSlicedWasserstein, 4);
  const at::Tensor a = nst::run_style(embedded(), content, {style}, o).image;
  EXPECT_TRUE(at::equal(a, nst::run_style(embedded(), content, {style}, o).image));
  o.seed = 1;
  EXPECT_FALSE(at::equal(a, nst::run_style(embedded(), content, {style}, o).image));
  o.sliced_redraw_every = 2;
  o.sliced_directions = 16;
  nst::StyleResult r = nst::run_style(embedded(), content, {style}, o);
  EXPECT_EQ(r.stop, nst::StopReason::kIterations);
}

TEST(StyleLoss, BlendOfTwoCopiesEqualsOneStyle) {
  // Blending a style with itself leaves the Gram and mean-cov targets unchanged (the same matrix,
  // the same moments). Sliced: the mixture has the same CDF at the samples, but each sample is
  // now two, so the linear interpolation between them differs a little.
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 40);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 36);
  for (nst::StyleLoss l : kAll) {
    nst::StyleOptions o = options_for(l, 1);
    nst::FeatureNet net(embedded(), o.pooling, {"relu3_1", "relu1_1", "relu2_1"});
    nst::detail::StyleObjective one(net, content, {style}, o);
    o.style_blend = {0.3, 0.7};
    nst::detail::StyleObjective two(net, content, {style, style}, o);
    at::Tensor x = (content + 0.05 * at::randn(content.sizes())).contiguous(), g1, g2;
    const double f1 = one(x, g1), f2 = two(x, g2);
    EXPECT_NEAR(f2, f1, (l == nst::StyleLoss::kSlicedWasserstein ? 2e-2 : 1e-5) * f1) << nst::to_string(l);
  }
}

}  // namespace
