// The network in bfloat16 (ComputePrecision): features leave it as float32 and stay close to the
// float32 network's; the style objective's loss and gradient follow; float16 is refused on the CPU.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/network.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

const std::string kExamples = std::string(NST_SOURCE_DIR) + "/examples/";

double relative_error(const at::Tensor& got, const at::Tensor& want) {
  return ((got - want).norm() / want.norm()).item<double>();
}

double cosine(const at::Tensor& a, const at::Tensor& b) {
  return (at::dot(a.reshape(-1), b.reshape(-1)) / (a.norm() * b.norm())).item<double>();
}

TEST(Precision, Bfloat16FeaturesAreFloat32AndClose) {
  for (const nst::Padding padding : {nst::Padding::kReflect, nst::Padding::kZeros}) {
    nst::VggWeights w = nst::make_embedded_vgg();
    w.padding = padding;
    const std::vector<std::string> layers{"conv1_1", "relu2_1", "relu3_1", "pool4", "relu5_1"};
    nst::FeatureNet full(w, nst::Pooling::kMax, layers);
    nst::FeatureNet half(w, nst::Pooling::kMax, layers);
    half.set_precision(nst::ComputePrecision::kBFloat16);
    EXPECT_EQ(half.precision(), nst::ComputePrecision::kBFloat16);
    const at::Tensor image = nst::read_image(kExamples + "chelsea.png", 96);
    at::NoGradGuard no_grad;
    const auto want = full.forward(image);
    const auto got = half.forward(image);
    for (const auto& name : layers) {
      EXPECT_EQ(got.at(name).scalar_type(), at::kFloat) << name;
      EXPECT_EQ(got.at(name).sizes(), want.at(name).sizes()) << name;
      // bfloat16 keeps 8 significant bits (0.4 %); errors grow a little with depth.
      EXPECT_LT(relative_error(got.at(name), want.at(name)), 0.03) << name;
    }
    // The conv tap is handed out before the in-place ReLU: it still has negative values.
    EXPECT_LT(got.at("conv1_1").min().item<float>(), 0.0f);
  }
}

TEST(Precision, StyleObjectiveInBfloat16FollowsFloat32) {
  const at::Tensor content = nst::read_image(kExamples + "chelsea.png", 64);
  const at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64);
  nst::StyleOptions o;
  std::vector<std::string> layers = o.content_layers;
  layers.insert(layers.end(), o.style_layers.begin(), o.style_layers.end());
  nst::FeatureNet full(nst::make_embedded_vgg(), o.pooling, layers);
  nst::FeatureNet half(nst::make_embedded_vgg(), o.pooling, layers);
  half.set_precision(nst::ComputePrecision::kBFloat16);
  nst::detail::StyleObjective f_full(full, content, {style}, o);
  nst::detail::StyleObjective f_half(half, content, {style}, o);
  at::manual_seed(0);
  const at::Tensor x = (content + 0.05 * at::randn(content.sizes())).contiguous();
  at::Tensor g_full, g_half;
  const double l_full = f_full(x, g_full), l_half = f_half(x, g_half);
  EXPECT_EQ(g_half.scalar_type(), at::kFloat);
  EXPECT_NEAR(l_half, l_full, 0.02 * l_full);
  EXPECT_GT(cosine(g_half, g_full), 0.99);
}

TEST(Precision, Bfloat16RunDecreasesTheLoss) {
  const at::Tensor content = nst::read_image(kExamples + "chelsea.png", 64);
  const at::Tensor style = nst::read_image(kExamples + "starry_night.jpg", 64);
  nst::StyleOptions o;
  o.iterations = 8;
  o.precision = nst::ComputePrecision::kBFloat16;
  double first = 0;
  const nst::StyleResult r = nst::run_style(nst::make_embedded_vgg(), content, {style}, o,
                                            [&](const nst::IterationReport& report, const at::Tensor&) {
                                              if (report.iteration == 1) first = report.loss;
                                              return true;
                                            });
  EXPECT_EQ(r.stop, nst::StopReason::kIterations) << r.message;
  EXPECT_EQ(r.image.scalar_type(), at::kFloat);
  EXPECT_LT(r.last.loss, 0.5 * first);
}

TEST(Precision, Float16IsRefusedOnTheCpu) {
  nst::FeatureNet net(nst::make_embedded_vgg(), nst::Pooling::kAvg, {"relu1_1"});
  try {
    net.set_precision(nst::ComputePrecision::kFloat16);
    FAIL() << "expected nst::Error";
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage);
    EXPECT_STREQ(e.what(), "float16 needs a CUDA device (libtorch has no float16 convolution on the CPU); use bfloat16");
  }
  EXPECT_EQ(nst::parse_compute_precision("bf16"), nst::ComputePrecision::kBFloat16);
  EXPECT_THROW(nst::parse_compute_precision("int8"), nst::Error);
}

}  // namespace
