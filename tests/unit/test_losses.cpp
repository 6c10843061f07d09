// Every loss's autograd gradient against central finite differences (float64).
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/csrc/autograd/autograd.h>

#include <functional>

#include "nst/error.h"
#include "gradient_check.h"
#include "nst/losses.h"

namespace {

using nst::test::gradient_error;
using nst::test::random;

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

// gram_matrix's backward is its own (one GEMM with (gG + gGᵀ)/n): an upstream gradient that is not
// symmetric, features in channels_last (the network's layout) and create_graph must all be right.
TEST(Losses, GramBackwardMatchesFiniteDifferencesInEveryLayout) {
  const at::Tensor weight = random({5, 5}, 30) - 0.5;  // not symmetric
  const auto f = [&](const at::Tensor& x) { return (nst::gram_matrix(x) * weight).sum(); };
  EXPECT_LT(gradient_error(f, random({1, 5, 7, 6}, 31)), 1e-5);
  at::Tensor x = random({1, 5, 7, 6}, 31).requires_grad_(true);
  at::Tensor channels_last = x.detach().contiguous(at::MemoryFormat::ChannelsLast).requires_grad_(true);
  const at::Tensor plain = torch::autograd::grad({f(x)}, {x})[0];
  const at::Tensor cl = torch::autograd::grad({f(channels_last)}, {channels_last})[0];
  EXPECT_TRUE(cl.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_TRUE(at::allclose(cl, plain, 1e-12, 1e-14));
  const at::Tensor graph = torch::autograd::grad({f(x)}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  EXPECT_TRUE(graph.requires_grad());
  EXPECT_TRUE(at::allclose(graph.detach(), plain, 1e-12, 1e-14));
}

TEST(Losses, TvGradientMatchesFiniteDifferences) {
  for (double beta : {2.0, 1.5, 1.0}) {
    EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::tv_loss(x, beta); }, random({1, 3, 8, 9}, 8)), 1e-5)
        << "beta " << beta;
  }
}

TEST(Losses, WrappedTvGradientMatchesFiniteDifferences) {
  for (double beta : {2.0, 1.5}) {
    EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::tv_loss(x, beta, true); }, random({1, 3, 8, 9}, 10)),
              1e-5)
        << "beta " << beta;
  }
}

TEST(Losses, WrappedTvComparesOppositeEdgesAndIgnoresShifts) {
  // [[0,1],[0,0]]: right neighbours (wrapping) differ by 1,1,0,0 and lower ones by 0,1,0,1: mean 4/4.
  at::Tensor x = at::tensor({0.0, 1.0, 0.0, 0.0}, at::kDouble).view({1, 1, 2, 2});
  EXPECT_NEAR(nst::tv_loss(x, 2.0, true).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(nst::tv_loss(x).item<double>(), 1.0, 1e-12);  // unwrapped: the one grid cell, dx 1, dy 0
  // On a torus no position is special: a circular shift keeps the wrapped TV, not the plain one.
  at::Tensor r = random({1, 3, 7, 9}, 11);
  at::Tensor shifted = at::roll(r, {3, 4}, {2, 3});
  EXPECT_NEAR(nst::tv_loss(shifted, 2.0, true).item<double>(), nst::tv_loss(r, 2.0, true).item<double>(), 1e-12);
  EXPECT_GT(std::abs(nst::tv_loss(shifted).item<double>() - nst::tv_loss(r).item<double>()), 1e-4);
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

TEST(Losses, TemporalLossIsTheMaskedMeanSquaredDifference) {
  at::Tensor x = random({1, 3, 5, 6}, 11), target = random({1, 3, 5, 6}, 12), mask = random({1, 1, 5, 6}, 13);
  const double expected = (mask * (x - target).pow(2)).sum().item<double>() / x.numel();
  EXPECT_NEAR(nst::temporal_loss(x, target, mask).item<double>(), expected, 1e-12);
  EXPECT_EQ(nst::temporal_loss(x, target, at::zeros_like(mask)).item<double>(), 0.0);
  EXPECT_THROW(nst::temporal_loss(x, target.narrow(3, 0, 5), mask), std::exception);
}

TEST(Losses, TemporalGradientMatchesFiniteDifferences) {
  const at::Tensor target = random({1, 3, 6, 7}, 14), mask = random({1, 1, 6, 7}, 15);
  EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::temporal_loss(x, target, mask); }, random({1, 3, 6, 7}, 16)),
            1e-5);
}

// ---- Style losses beyond Gram (issue 17): mean-cov (W2 of Gaussians) and sliced Wasserstein.
namespace {

double gradient_error_of(const std::function<at::Tensor(const at::Tensor&)>& f, const at::Tensor& x) {
  return gradient_error(f, x);
}

// Target Gaussian of features `f` (1xCxHxW).
nst::MeanCovTarget target_of(const at::Tensor& f) {
  auto [mean, second] = nst::feature_moments(f);
  return nst::mean_cov_target(mean, second);
}

}  // namespace

TEST(Losses, MeanCovIsZeroAtTheTargetAndPositiveElsewhere) {
  at::Tensor f = random({1, 6, 5, 7}, 11);
  EXPECT_NEAR(nst::mean_cov_loss(f, target_of(f)).item<double>(), 0.0, 1e-10);
  EXPECT_GT(nst::mean_cov_loss(random({1, 6, 5, 7}, 12), target_of(f)).item<double>(), 1e-4);
}

TEST(Losses, MeanCovOfOneChannelIsTheW2OfTwoNormals) {
  // C = 1: W2² = (μ − μs)² + (σ − σs)², with the ridge inside both variances.
  at::Tensor a = random({1, 1, 6, 6}, 13) * 2, b = random({1, 1, 4, 5}, 14) + 0.5;
  const double sa = std::sqrt(a.var(false).item<double>() + nst::kMeanCovRidge);
  const double sb = std::sqrt(b.var(false).item<double>() + nst::kMeanCovRidge);
  const double dm = a.mean().item<double>() - b.mean().item<double>();
  EXPECT_NEAR(nst::mean_cov_loss(a, target_of(b)).item<double>(), dm * dm + (sa - sb) * (sa - sb), 1e-12);
}

TEST(Losses, MeanCovGradientMatchesFiniteDifferences) {
  nst::MeanCovTarget target = target_of(random({1, 5, 7, 6}, 17));
  EXPECT_LT(gradient_error_of([&](const at::Tensor& x) { return nst::mean_cov_loss(x, target); },
                              random({1, 5, 7, 6}, 18)),
            1e-5);
}

TEST(Losses, MeanCovGradientMatchesFiniteDifferencesWhenRankDeficient) {
  // 12 channels, 2x3 positions: both covariances have rank <= 6; the ridge keeps the root smooth.
  // The loss goes through eigh of a matrix whose smallest eigenvalues are ~ridge² (1e-8): their
  // rounding (~1e-16, which depends on the LAPACK kernel: AVX-512 machines differ) moves f by
  // ~1e-14, which a difference step of 1e-6 turns into 5e-5 relative gradient error. A step of
  // 1e-4 keeps rounding 100x smaller while the curvature term stays far below the limit
  // (measured on an AVX-512 EPYC: 5.2e-5 / 5.2e-7 / 1.8e-7 / 4.3e-6 at h = 1e-6 / 1e-5 / 1e-4 / 1e-3).
  nst::MeanCovTarget target = target_of(random({1, 12, 2, 2}, 19));
  EXPECT_LT(gradient_error([&](const at::Tensor& x) { return nst::mean_cov_loss(x, target); },
                           random({1, 12, 2, 3}, 20), 40, 1e-4),
            1e-5);
}

TEST(Losses, MeanCovInFloat32IsCloseToFloat64) {
  at::Tensor a = random({1, 64, 6, 6}, 21), b = random({1, 64, 8, 8}, 22) * 1.5;  // rank-deficient
  const double d = nst::mean_cov_loss(a, target_of(b)).item<double>();
  const double f = nst::mean_cov_loss(a.to(at::kFloat), target_of(b.to(at::kFloat))).item<double>();
  EXPECT_NEAR(f, d, 1e-4 * d);
}

TEST(Losses, SqrtmSquaresBack) {
  at::Tensor m = random({7, 4}, 23);
  at::Tensor a = at::mm(m, m.t());  // rank 4 of 7: PSD, singular
  at::Tensor r = nst::sqrtm_psd(a);
  EXPECT_LT((at::mm(r, r) - a).abs().max().item<double>(), 1e-10);
}

TEST(Losses, RandomDirectionsAreUnitAndSeeded) {
  at::Tensor d = nst::random_directions(9, 5, 3);
  ASSERT_EQ(d.sizes(), (std::vector<int64_t>{5, 9}));
  EXPECT_LT((d.norm(2, {1}) - 1).abs().max().item<float>(), 1e-6);
  EXPECT_TRUE(at::equal(d, nst::random_directions(9, 5, 3)));
  EXPECT_FALSE(at::equal(d, nst::random_directions(9, 5, 4)));
}

TEST(Losses, WeightedQuantilesOfEqualWeightsAreTheSortedSample) {
  at::Tensor v = random({3, 10}, 24);
  at::Tensor q = nst::weighted_quantiles(v, at::ones({10}, at::kDouble), 10);
  EXPECT_LT((q - std::get<0>(v.sort(1))).abs().max().item<double>(), 1e-12);
}

TEST(Losses, WeightedQuantilesResampleLinearly) {
  // 3 values at probabilities 1/6, 1/2, 5/6; 6 quantiles at (i + ½)/6.
  at::Tensor v = at::tensor({2.0, 0.0, 1.0}, at::kDouble).view({1, 3});
  at::Tensor q = nst::weighted_quantiles(v, at::ones({3}, at::kDouble), 6).view(-1);
  const double want[] = {0.0, 0.25, 0.75, 1.25, 1.75, 2.0};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(q[i].item<double>(), want[i], 1e-12) << i;
}

TEST(Losses, WeightedQuantilesOfABlendAreThoseOfTheMixture) {
  // Weights 1 : 3: sample 0 covers [0, ¼] (middle ⅛), sample 1 [¼, 1] (middle ⅝); quantiles at
  // ⅛, ⅜, ⅝, ⅞ are 0, the midway 0.5, then 1, 1.
  at::Tensor two = at::tensor({1.0, 0.0}, at::kDouble).view({1, 2});
  at::Tensor q = nst::weighted_quantiles(two, at::tensor({3.0, 1.0}, at::kDouble), 4).view(-1);
  const double want[] = {0.0, 0.5, 1.0, 1.0};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(q[i].item<double>(), want[i], 1e-12) << i;
  at::Tensor a = random({2, 6}, 25), b = random({2, 3}, 26) + 0.3;
  // Equal sizes and an equal blend: exactly the quantiles of the pooled samples.
  at::Tensor c = random({2, 6}, 27);
  at::Tensor pooled = nst::weighted_quantiles(at::cat({a, c}, 1), at::ones({12}, at::kDouble), 12);
  EXPECT_LT((pooled - std::get<0>(at::cat({a, c}, 1).sort(1))).abs().max().item<double>(), 1e-12);
  // A zero blend weight removes that style.
  at::Tensor only_a = nst::weighted_quantiles(at::cat({a, b}, 1), at::cat({at::ones({6}), at::zeros({3})}), 6);
  EXPECT_LT((only_a - std::get<0>(a.sort(1))).abs().max().item<double>(), 1e-12);
}

TEST(Losses, SlicedWassersteinIsZeroAtItsOwnSortedProjections) {
  at::Tensor f = random({1, 6, 4, 5}, 27), d = nst::random_directions(6, 6, 1).to(at::kDouble);
  EXPECT_EQ(nst::sliced_wasserstein_loss(f, d, nst::sorted_projections(f, d)).item<double>(), 0.0);
  // A permutation of the positions does not change the distribution.
  at::Tensor shuffled = f.reshape({6, 20}).index_select(1, at::randperm(20, at::kLong)).reshape({1, 6, 4, 5});
  EXPECT_NEAR(nst::sliced_wasserstein_loss(shuffled, d, nst::sorted_projections(f, d)).item<double>(), 0.0, 1e-24);
}

TEST(Losses, SlicedWassersteinGradientMatchesFiniteDifferences) {
  at::Tensor d = nst::random_directions(5, 5, 2).to(at::kDouble);
  at::Tensor target = nst::weighted_quantiles(nst::sorted_projections(random({1, 5, 6, 9}, 28), d).reshape({5, -1}),
                                              at::ones({54}, at::kDouble), 42);  // resampled 54 -> 42
  EXPECT_LT(gradient_error_of([&](const at::Tensor& x) { return nst::sliced_wasserstein_loss(x, d, target); },
                              random({1, 5, 7, 6}, 29)),
            1e-5);
}

// ---- Masked statistics (spatial control, --style-mask).
TEST(Losses, MaskedGramIsTheGramOfTheRegion) {
  at::Tensor f = random({1, 4, 6, 8}, 30);
  // An all-ones mask gives the plain Gram matrix.
  EXPECT_TRUE(at::allclose(nst::masked_gram(f, at::ones({1, 1, 6, 8}, at::kDouble)), nst::gram_matrix(f), 1e-12, 1e-14));
  // A 0/1 mask over the left half gives the Gram matrix of the left half alone.
  at::Tensor left = at::zeros({1, 1, 6, 8}, at::kDouble);
  left.narrow(3, 0, 4).fill_(1);
  EXPECT_TRUE(at::allclose(nst::masked_gram(f, left), nst::gram_matrix(f.narrow(3, 0, 4).contiguous()), 1e-12, 1e-14));
  // Soft weights: entry (1,2) by hand.
  at::Tensor m = random({1, 1, 6, 8}, 31);
  const double expected = (f[0][1] * f[0][2] * m[0][0]).sum().item<double>() / (4 * m.sum().item<double>());
  EXPECT_NEAR(nst::masked_gram(f, m)[1][2].item<double>(), expected, 1e-12);
  // Moments: the weighted mean; an empty region gives zeros, not NaN.
  auto [mean, second] = nst::masked_feature_moments(f, m);
  EXPECT_NEAR(mean[3].item<double>(), (f[0][3] * m[0][0]).sum().item<double>() / m.sum().item<double>(), 1e-12);
  auto [empty_mean, empty_second] = nst::masked_feature_moments(f, at::zeros({1, 1, 6, 8}, at::kDouble));
  EXPECT_EQ(empty_second.abs().sum().item<double>(), 0.0);
  EXPECT_THROW(nst::masked_gram(f, at::ones({1, 1, 6, 7}, at::kDouble)), nst::Error);
}

TEST(Losses, MaskedGramGradientMatchesFiniteDifferences) {
  at::Tensor target = nst::gram_matrix(random({1, 5, 7, 6}, 32));
  at::Tensor mask = random({1, 1, 7, 6}, 33);
  EXPECT_LT(gradient_error([&](const at::Tensor& x) { return at::mse_loss(nst::masked_gram(x, mask), target); },
                           random({1, 5, 7, 6}, 34)),
            1e-5);
}

TEST(Losses, MaskedMeanCovGradientMatchesFiniteDifferences) {
  nst::MeanCovTarget target = target_of(random({1, 5, 7, 6}, 35));
  at::Tensor mask = random({1, 1, 7, 6}, 36);
  EXPECT_LT(gradient_error_of(
                [&](const at::Tensor& x) {
                  auto [mean, second] = nst::masked_feature_moments(x, mask);
                  return nst::mean_cov_loss_from_moments(mean, second, target);
                },
                random({1, 5, 7, 6}, 37)),
            1e-5);
}
