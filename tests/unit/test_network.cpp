#include <ATen/ATen.h>
#include <algorithm>
#include <gtest/gtest.h>

#include "nst/error.h"
#include "nst/network.h"
#include "nst/weights.h"

namespace {

TEST(Network, CanonicalLayerNames) {
  auto names = nst::layer_names(nst::VggArch::kVgg19);
  EXPECT_EQ(names.size(), 16u * 2 + 5);
  EXPECT_EQ(names.front(), "conv1_1");
  EXPECT_EQ(names.back(), "pool5");
  EXPECT_EQ(nst::conv_layer_names(nst::VggArch::kVgg16).size(), 13u);
  EXPECT_EQ(nst::conv_layer_names(nst::VggArch::kVgg19)[12], "conv5_1");
}

TEST(Network, UnknownLayerIsAUsageError) {
  try {
    nst::check_layer_names(nst::VggArch::kVgg19, {"relu1_1", "relu9_9"});
    FAIL();
  } catch (const nst::Error& e) {
    EXPECT_EQ(e.kind(), nst::ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("relu9_9"), std::string::npos);
  }
}

TEST(Network, EmbeddedNetIsDeterministicAndCalibrated) {
  nst::VggWeights a = nst::make_embedded_vgg();
  nst::VggWeights b = nst::make_embedded_vgg();
  ASSERT_EQ(a.weights.size(), 16u);
  EXPECT_TRUE(at::equal(a.weights[5], b.weights[5]));
  nst::EmbeddedNetOptions other;
  other.seed = 1;
  EXPECT_FALSE(at::equal(a.weights[0], nst::make_embedded_vgg(other).weights[0]));
  // Activations of comparable magnitude at every depth on a smooth test image.
  nst::FeatureNet net(a, nst::Pooling::kAvg, {"relu1_1", "relu3_1", "relu5_1"});
  at::Tensor y = at::linspace(0, 1, 64).view({1, 1, 64, 1}).expand({1, 3, 64, 64}).contiguous();
  at::Tensor image = y * at::tensor({1.0f, 0.6f, 0.2f}).view({1, 3, 1, 1}) + 0.1 * at::sin(y * 40);
  at::NoGradGuard no_grad;
  auto features = net.forward(image);
  for (const auto& [name, f] : features) {
    const double mean = f.mean().item<double>();
    EXPECT_GT(mean, 0.1) << name;
    EXPECT_LT(mean, 10.0) << name;
  }
}

TEST(Network, FeatureShapesAndTruncation) {
  nst::FeatureNet net(nst::make_embedded_vgg(), nst::Pooling::kMax, {"conv1_1", "relu2_1", "pool3"});
  at::NoGradGuard no_grad;
  auto f = net.forward(at::rand({1, 3, 64, 48}));
  EXPECT_EQ(f.at("conv1_1").sizes(), (std::vector<int64_t>{1, 64, 64, 48}));
  EXPECT_EQ(f.at("relu2_1").sizes(), (std::vector<int64_t>{1, 128, 32, 24}));
  EXPECT_EQ(f.at("pool3").sizes(), (std::vector<int64_t>{1, 256, 8, 6}));
  // conv1_1 is requested, so the in-place ReLU must not have modified it.
  EXPECT_LT(f.at("conv1_1").min().item<float>(), 0.0f);
}

TEST(Network, CircularPaddingHasNoEdge) {
  // On a torus every position is alike: shifting the image by a multiple of the deepest stride
  // shifts every feature map by the same amount (exactly, up to float rounding). With reflect
  // padding the border positions differ, so the same check must fail there.
  at::manual_seed(3);
  at::Tensor image = at::rand({1, 3, 64, 48});
  at::Tensor shifted = at::roll(image, {16, 32}, {2, 3});
  auto max_shift_error = [&](nst::Padding padding) {
    nst::VggWeights w = nst::make_embedded_vgg();
    w.padding = padding;
    nst::FeatureNet net(w, nst::Pooling::kAvg, {"relu1_1", "relu3_1", "relu5_1"});
    at::NoGradGuard no_grad;
    auto a = net.forward(image), b = net.forward(shifted);
    double worst = 0;
    for (const auto& [name, f] : a) {
      const int64_t stride = 64 / f.size(2);
      at::Tensor expected = at::roll(f, {16 / stride, 32 / stride}, {2, 3});
      worst = std::max(worst, ((b.at(name) - expected).abs().max() / f.abs().max()).item<double>());
    }
    return worst;
  };
  EXPECT_LT(max_shift_error(nst::Padding::kCircular), 1e-4);
  EXPECT_GT(max_shift_error(nst::Padding::kReflect), 1e-2);
}

TEST(Network, PaddingNames) {
  for (auto p : {nst::Padding::kZeros, nst::Padding::kReflect, nst::Padding::kCircular})
    EXPECT_EQ(nst::parse_padding(nst::to_string(p)), p);
  EXPECT_THROW(nst::parse_padding("mirror"), nst::Error);
  EXPECT_EQ(nst::min_image_side("relu5_1", nst::Padding::kCircular), 16);
  EXPECT_EQ(nst::min_image_side("relu5_1", nst::Padding::kReflect), 32);
}

TEST(Network, ImageGradientOnlyNoParameterGradients) {
  nst::VggWeights w = nst::make_embedded_vgg();
  nst::FeatureNet net(w, nst::Pooling::kAvg, {"relu3_1"});
  at::Tensor x = at::rand({1, 3, 32, 32}).requires_grad_(true);
  net.forward(x).at("relu3_1").sum().backward();
  EXPECT_TRUE(x.grad().defined());
  EXPECT_FALSE(net.weights().weights[0].requires_grad());
}

TEST(Network, WrongShapesAreRefusedNamingTheLayer) {
  nst::VggWeights w = nst::make_embedded_vgg();
  w.weights[3] = at::zeros({128, 7, 3, 3});
  try {
    nst::validate_weights(w);
    FAIL();
  } catch (const nst::Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv2_2"), std::string::npos) << e.what();
  }
}

}  // namespace
