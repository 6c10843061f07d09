// Every loss's autograd gradient against central finite differences (float64).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <functional>

#include "nst/losses.h"

namespace {

// Max relative error between autograd and central differences at `samples` random coordinates.
double gradient_error(const std::function<at::Tensor(const at::Tensor&)>& f, at::Tensor x, int samples = 40) {
  x = x.to(at::kDouble).detach().requires_grad_(true);
  at::Tensor analytic = torch::autograd::grad({f(x)}, {x})[0];
  at::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(7);
  at::Tensor flat = x.view(-1);
  const double h = 1e-6;
  double worst = 0;
  for (int s = 0; s < samples; ++s) {
    const int64_t i = at::randint(flat.numel(), {1}, gen).item<int64_t>();
    const double original = flat[i].item<double>();
    flat[i] = original + h;
    const double up = f(x).item<double>();
    flat[i] = original - h;
    const double down = f(x).item<double>();
    flat[i] = original;
    const double numeric = (up - down) / (2 * h);
    const double a = analytic.view(-1)[i].item<double>();
    worst = std::max(worst, std::abs(a - numeric) / std::max(1e-6, std::abs(a) + std::abs(numeric)));
  }
  return worst;
}

at::Tensor random(at::IntArrayRef shape, uint64_t seed) {
  return at::rand(shape, at::detail::createCPUGenerator(seed), at::kDouble);
}

TEST(Losses, GramMatrixMatchesDefinition) {
  at::Tensor f = random({1, 4, 3, 5}, 1);
  at::Tensor g = nst::gram_matrix(f);
  ASSERT_EQ(g.sizes(), (std::vector<int64_t>{4, 4}));
  // Entry (1,2) by hand: sum over positions of f1*f2, divided by C*H*W.
  const double expected = (f[0][1] * f[0][2]).sum().item<double>() / (4 * 3 * 5);
  EXPECT_NEAR(g[1][2].item<double>(), expected, 1e-12);
  EXPECT_TRUE(at::allclose(g, g.t()));
}

TEST(Losses, ContentLossIsMeanSquaredDifference) {
  at::Tensor a = random({1, 2, 3, 3}, 2), b = random({1, 2, 3, 3}, 3);
  EXPECT_NEAR(nst::content_loss(a, b).item<double>(), (a - b).pow(2).mean().item<double>(), 1e-12);
  EXPECT_EQ(nst::content_loss(a, a).item<double>(), 0.0);
}

TEST(Losses, ContentGradientMatchesFiniteDifferences) {
  at::Tensor target = random({1, 3, 6, 5}, 4);
  EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::content_loss(x, target); }, random({1, 3, 6, 5}, 5)),
            1e-5);
}

TEST(Losses, StyleGradientMatchesFiniteDifferences) {
  at::Tensor target = nst::gram_matrix(random({1, 5, 7, 6}, 6));
  EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::style_loss(x, target); }, random({1, 5, 7, 6}, 7)),
            1e-5);
}

TEST(Losses, TvGradientMatchesFiniteDifferences) {
  for (double beta : {2.0, 1.5, 1.0}) {
    EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::tv_loss(x, beta); }, random({1, 3, 8, 9}, 8)), 1e-5)
        << "beta " << beta;
  }
}

TEST(Losses, TvIsZeroOnConstantAndSizeNormalized) {
  EXPECT_EQ(nst::tv_loss(at::full({1, 3, 8, 8}, 0.3, at::kDouble)).item<double>(), 0.0);
  // A vertical-stripe pattern has the same mean TV at two sizes.
  auto stripes = [](int n) {
    at::Tensor x = at::zeros({1, 1, n, n}, at::kDouble);
    x.narrow(3, 0, n).slice(3, 0, n, 2).fill_(1.0);
    return x;
  };
  EXPECT_NEAR(nst::tv_loss(stripes(16)).item<double>(), nst::tv_loss(stripes(64)).item<double>(), 1e-12);
}

}  // namespace

TEST(Losses, RangeLossIsZeroInsideAndSquaredDistanceOutside) {
  at::Tensor x = at::tensor({-0.5, 0.0, 0.3, 1.0, 1.25}, at::kDouble).view({1, 1, 1, 5});
  EXPECT_NEAR(nst::range_loss(x).item<double>(), (0.25 + 0.0625) / 5, 1e-12);
  EXPECT_EQ(nst::range_loss(random({1, 3, 4, 4}, 9)).item<double>(), 0.0);
}

TEST(Losses, RangeGradientMatchesFiniteDifferences) {
  // Spread over [-0.5, 1.5] so that both sides of both bounds are sampled.
  EXPECT_LT(gradient_error([](const at::Tensor& x) { return nst::range_loss(x); }, random({1, 3, 6, 5}, 10) * 2 - 0.5),
            1e-5);
}
