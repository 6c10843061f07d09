#include <ATen/ATen.h>
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
