// Unit tests of reduced-precision / relocated L-BFGS history (src/optim/lbfgs_history.*).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

#include "nst/error.h"
#include "nst/optim.h"
#include "optim/lbfgs_history.h"
#include "test_functions.h"

namespace nst {
namespace {

double max_relative_error(const at::Tensor& got, const at::Tensor& want) {
  return ((got - want).abs().max() / want.abs().max()).item<double>();
}

TEST(StoredVector, FullPrecisionKeepsTheTensorItself) {
  at::Tensor v = at::randn({3, 5}, at::kFloat);
  const void* data = v.data_ptr();
  detail::StoredVector s;
  s.assign(v, HistoryPrecision::kFull, std::nullopt);
  EXPECT_EQ(s.data().data_ptr(), data);  // no copy
  EXPECT_TRUE(s.decoded(v).is_same(s.data()));
  EXPECT_EQ(s.bytes(), 15u * 4);
}

TEST(StoredVector, ReducedPrecisionIsScaledSoTinyVectorsSurvive) {
  at::manual_seed(3);
  // Late L-BFGS steps are ~1e-7 per pixel: far below float16's normal range (6e-5) unscaled.
  const at::Tensor want = at::randn({1, 3, 32, 32}, at::kFloat) * 1e-7;
  for (const auto& [precision, tolerance, type] :
       std::vector<std::tuple<HistoryPrecision, double, at::ScalarType>>{{HistoryPrecision::kFloat16, 1e-3, at::kHalf},
                                                                        {HistoryPrecision::kBFloat16, 8e-3, at::kBFloat16}}) {
    detail::StoredVector s;
    s.assign(want.clone(), precision, std::nullopt);
    EXPECT_EQ(s.data().scalar_type(), type);
    EXPECT_EQ(s.bytes(), want.numel() * 2u);
    EXPECT_LT(max_relative_error(s.decoded(want), want), tolerance) << to_string(precision);
    const at::Tensor a = at::randn_like(want) * 1e-7;  // same magnitude: b - a below must not cancel
    EXPECT_NEAR(s.dot(a), at::dot(s.decoded(want).reshape(-1), a.reshape(-1)).item<double>(),
                1e-4 * std::abs(s.dot(a)) + 1e-30);
    at::Tensor b = a.clone();
    s.add_to(b, 2.0);
    EXPECT_LT(max_relative_error(b - a, 2 * want), tolerance);
  }
  // Unscaled float16 would flush these to zero: the scaling is what keeps them.
  EXPECT_GT(max_relative_error(want.to(at::kHalf).to(at::kFloat), want), 0.05);
}

TEST(StoredVector, ZeroVectorAndOtherDevice) {
  detail::StoredVector s;
  s.assign(at::zeros({4}, at::kDouble), HistoryPrecision::kFloat16, at::Device("cpu"));
  EXPECT_EQ(s.decoded(at::ones({4}, at::kDouble)).abs().max().item<double>(), 0.0);
  OptimizerOptions options;
  options.history_device = "cpu";
  EXPECT_EQ(detail::history_device(options), at::Device("cpu"));
  options.history_device = "abacus";
  EXPECT_THROW(make_optimizer(options), Error);
}

using nst::test::rosenbrock;

TEST(Lbfgs, ReducedPrecisionHistoryStillConverges) {
  for (HistoryPrecision precision : {HistoryPrecision::kFull, HistoryPrecision::kFloat16, HistoryPrecision::kBFloat16}) {
    std::vector<double> start(1000);
    for (size_t i = 0; i < start.size(); ++i) start[i] = i % 2 == 0 ? -1.2 : 1.0;
    at::Tensor x = at::tensor(start, at::kDouble);
    OptimizerOptions options;
    options.history = 20;
    options.history_precision = precision;
    options.history_device = "cpu";
    auto optimizer = make_optimizer(options);
    int steps = 0;
    for (; steps < 400 && (x - 1).abs().max().item<double>() > 1e-6; ++steps) {
      const StepResult r = optimizer->step(x, rosenbrock);
      ASSERT_TRUE(r.ok) << to_string(precision) << ": " << r.failure;
    }
    EXPECT_LT((x - 1).abs().max().item<double>(), 1e-5) << to_string(precision) << " after " << steps << " steps";
  }
}

TEST(Lbfgs, ParsesHistoryPrecision) {
  EXPECT_EQ(parse_history_precision("float32"), HistoryPrecision::kFull);
  EXPECT_EQ(parse_history_precision("fp16"), HistoryPrecision::kFloat16);
  EXPECT_EQ(parse_history_precision("bf16"), HistoryPrecision::kBFloat16);
  EXPECT_EQ(history_element_bytes(HistoryPrecision::kBFloat16), 2);
  try {
    parse_history_precision("float8");
    FAIL() << "expected nst::Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown history precision 'float8' (expected float32, float16 or bfloat16)");
  }
}

}  // namespace
}  // namespace nst
