// End-to-end style runs on tiny images with the embedded network.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

const nst::VggWeights& embedded() {
  static const nst::VggWeights w = nst::make_embedded_vgg();
  return w;
}

nst::StyleOptions small_run(int iterations) {
  nst::StyleOptions o;
  o.iterations = iterations;
  o.style_layers = {"relu1_1", "relu2_1", "relu3_1"};
  return o;
}

TEST(Stylize, LossDecreasesAndPixelsStayInRange) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 48);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 48);
  std::vector<double> losses;
  nst::StyleResult r = nst::run_style(embedded(), content, {style}, small_run(15),
                                      [&](const nst::IterationReport& rep, const at::Tensor&) {
                                        losses.push_back(rep.loss);
                                        return true;
                                      });
  ASSERT_GE(losses.size(), 10u);
  EXPECT_LT(losses.back(), 0.5 * losses.front());
  EXPECT_GE(r.image.min().item<float>(), 0.0f);
  EXPECT_LE(r.image.max().item<float>(), 1.0f);
  EXPECT_EQ(r.image.sizes(), content.sizes());
  EXPECT_TRUE(r.last.parts.count("style:relu1_1"));
  EXPECT_TRUE(r.last.parts.count("tv"));
}

TEST(Stylize, EveryOptimizerRuns) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 32);
  for (auto kind : {nst::OptimizerKind::kAdam, nst::OptimizerKind::kSgd, nst::OptimizerKind::kLbfgs}) {
    nst::StyleOptions o = small_run(5);
    o.optimizer.kind = kind;
    // SGD's step is not scale-free: with style weight 1e7 a step of 1e-2 diverges from noise.
    o.optimizer.learning_rate = kind == nst::OptimizerKind::kLbfgs ? 1.0 : kind == nst::OptimizerKind::kAdam ? 0.01 : 1e-3;
    o.init = nst::InitKind::kNoise;
    nst::StyleResult r = nst::run_style(embedded(), content, {style}, o);
    EXPECT_EQ(r.last.iteration, 5);
    EXPECT_TRUE(std::isfinite(r.last.loss));
  }
}

TEST(Stylize, AbortHookStopsAndKeepsImage) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  nst::StyleResult r = nst::run_style(embedded(), content, {content}, small_run(50),
                                      [](const nst::IterationReport& rep, const at::Tensor&) { return rep.iteration < 3; });
  EXPECT_EQ(r.stop, nst::StopReason::kAborted);
  EXPECT_EQ(r.last.iteration, 3);
  EXPECT_TRUE(r.image.defined());
}

TEST(Stylize, NoiseInitIsDeterministicPerSeed) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  nst::StyleOptions o = small_run(2);
  o.init = nst::InitKind::kNoise;
  o.seed = 3;
  at::Tensor a = nst::run_style(embedded(), content, {content}, o).image;
  at::Tensor b = nst::run_style(embedded(), content, {content}, o).image;
  EXPECT_TRUE(at::equal(a, b));
}

TEST(Stylize, BadOptionsAreUsageErrors) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 32);
  nst::StyleOptions o = small_run(1);
  o.style_layers = {"relu1_1", "nonsense"};
  EXPECT_THROW(nst::run_style(embedded(), content, {content}, o), nst::Error);
  o = small_run(1);
  o.style_blend = {1.0, 2.0};  // two weights, one style image
  EXPECT_THROW(nst::run_style(embedded(), content, {content}, o), nst::Error);
  o = small_run(1);
  o.style_weight = -1;
  EXPECT_THROW(nst::run_style(embedded(), content, {content}, o), nst::Error);
}

TEST(Stylize, OriginalColorsKeepContentChroma) {
  at::Tensor content = at::rand({1, 3, 16, 16});
  at::Tensor grey = at::full({1, 3, 16, 16}, 0.5f);
  at::Tensor out = nst::transfer_original_colors(content, grey);
  // Luminance comes from the grey image...
  at::Tensor y = 0.299 * out.select(1, 0) + 0.587 * out.select(1, 1) + 0.114 * out.select(1, 2);
  EXPECT_LT((y - 0.5).abs().max().item<float>(), 0.2f);
  // ... and colour differences (R-G) from the content.
  at::Tensor d_out = out.select(1, 0) - out.select(1, 1), d_in = content.select(1, 0) - content.select(1, 1);
  EXPECT_FALSE(at::allclose(d_out, at::zeros_like(d_out)));
  EXPECT_GT(at::corrcoef(at::stack({d_out.flatten(), d_in.flatten()})).select(0, 1)[0].item<float>(), 0.8f);
}

}  // namespace

namespace {

TEST(StylizeCoarseToFine, ScaleSizesGrowToTheFullSize) {
  nst::StyleOptions o;
  o.scales = 3;
  o.scale_factor = 2.0;
  EXPECT_EQ(nst::scale_size(96, 128, 0, o), std::make_pair(24, 32));
  EXPECT_EQ(nst::scale_size(96, 128, 1, o), std::make_pair(48, 64));
  EXPECT_EQ(nst::scale_size(96, 128, 2, o), std::make_pair(96, 128));
}

TEST(StylizeCoarseToFine, RunsEveryScaleAndEndsAtFullSize) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 64);
  at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64);
  nst::StyleOptions o = small_run(6);
  o.scales = 2;
  o.coarse_iterations = 4;
  std::vector<nst::IterationReport> reports;
  std::vector<std::vector<int64_t>> sizes;
  nst::StyleResult r = nst::run_style(embedded(), content, {style}, o,
                                      [&](const nst::IterationReport& rep, const at::Tensor& image) {
                                        reports.push_back(rep);
                                        sizes.push_back(image.sizes().vec());
                                        return true;
                                      });
  ASSERT_EQ(reports.size(), 10u);
  EXPECT_EQ(reports.front().total_iterations, 10);
  EXPECT_EQ(reports.back().iteration, 10);
  // The first 4 iterations run at 1/√2 of the size, the last 6 at the full size.
  EXPECT_LT(sizes.front()[3], content.size(3));
  EXPECT_EQ(sizes.back()[3], content.size(3));
  EXPECT_EQ(reports[4].event.rfind("scale 2/2", 0), 0u) << reports[4].event;
  EXPECT_EQ(r.image.sizes(), content.sizes());
  for (size_t i = 1; i < reports.size(); ++i) EXPECT_GE(reports[i].seconds, reports[i - 1].seconds);
}

TEST(StylizeCoarseToFine, RefusesACoarsestScaleTooSmallForTheLayers) {
  at::Tensor content = nst::read_image(kExamples + "chelsea.png", 48);
  nst::StyleOptions o = small_run(2);
  o.style_layers = {"relu5_1"};
  o.scales = 4;
  o.scale_factor = 2.0;  // 48 px -> 6 px at the coarsest scale
  EXPECT_THROW(nst::run_style(embedded(), content, {content}, o), nst::Error);
  o.scale_factor = 0.5;
  EXPECT_THROW(nst::run_style(embedded(), content, {content}, o), nst::Error);
}

}  // namespace
