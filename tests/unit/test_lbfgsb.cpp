// Unit tests of the bounded L-BFGS mode (L-BFGS-B, src/optim/lbfgsb*.cpp): scipy agreement on a
// nonconvex bounded problem, KKT conditions, evaluations per iteration, iterates in the box,
// starts exactly on the bounds, float32 tensors, reduced-precision history, one-sided bounds.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

#include "nst/optim.h"
#include "optim/lbfgsb.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."
#endif

namespace nst {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class Uniform {
 public:
  explicit Uniform(uint64_t seed) : engine_(seed) {}
  double operator()(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  }

 private:
  std::mt19937_64 engine_;
};

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// Chained Rosenbrock: sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2 (nonconvex, all coupled).
double chained_rosenbrock(const at::Tensor& x, at::Tensor& g) {
  const int64_t n = x.size(0);
  const at::Tensor u = x.slice(0, 0, n - 1);
  const at::Tensor v = x.slice(0, 1, n);
  const at::Tensor r = v - u * u;
  const at::Tensor w = 1 - u;
  g.zero_();
  g.slice(0, 0, n - 1).add_(-400 * u * r - 2 * w);
  g.slice(0, 1, n).add_(200 * r);
  return (100 * r * r + w * w).to(at::kDouble).sum().item<double>();
}

// 0.5 x'Ax - b'x with A = M M'/n + shift I (random M) and b = A c, c uniform in [c_lo, c_hi).
struct Quadratic {
  at::Tensor a, b;
  double operator()(const at::Tensor& x, at::Tensor& g) const {
    const at::Tensor ax = at::mv(a, x);
    g.copy_(ax - b);
    return (0.5 * at::dot(x, ax) - at::dot(b, x)).item<double>();
  }
};

Quadratic random_quadratic(int64_t n, uint64_t seed, double c_lo, double c_hi, double shift) {
  Uniform uniform(seed);
  std::vector<double> m(n * n), c(n);
  for (auto& value : m) value = uniform(-1, 1);
  for (auto& value : c) value = uniform(c_lo, c_hi);
  const at::Tensor mt = at::tensor(m, at::kDouble).reshape({n, n});
  Quadratic q;
  q.a = at::mm(mt, mt.t()) / static_cast<double>(n) + shift * at::eye(n, at::kDouble);
  q.b = at::mv(q.a, at::tensor(c, at::kDouble));
  return q;
}

// max |P(x - g) - x|: zero exactly at a KKT point of the box problem.
double projected_gradient(const at::Tensor& x, const at::Tensor& g, double lower, double upper) {
  at::Tensor p = x.to(at::kDouble) - g.to(at::kDouble);
  if (std::isfinite(lower)) p.clamp_min_(lower);
  if (std::isfinite(upper)) p.clamp_max_(upper);
  return max_abs(p - x.to(at::kDouble));
}

struct RunStats {
  int steps = 0;        // successful iterations
  int evaluations = 0;  // objective calls spent by the optimizer
  double f = 0;
  double pg = 0;        // final projected gradient
  std::string failure;
};

// Iterates until the projected gradient is below tolerance (checked outside the optimizer's
// count), a step fails, or max_steps; every iterate must lie in [lower, upper]. The tolerances
// are set above the precision floor, where a line search finds no decrease any more.
void run_bounded(const OptimizerOptions& options, at::Tensor& x, const Objective& f, int max_steps,
                 double tolerance, RunStats* stats, const char* label) {
  auto optimizer = make_optimizer(options);
  at::Tensor g = at::empty_like(x);
  for (; stats->steps < max_steps; ++stats->steps) {
    stats->f = f(x, g);
    stats->pg = projected_gradient(x, g, options.lower, options.upper);
    if (stats->pg < tolerance) break;
    const StepResult r = optimizer->step(x, f);
    stats->evaluations += r.evaluations;
    // The bounds as x's dtype holds them (0.8 is 0.800000012 in float32).
    const double lower = at::scalar_tensor(options.lower, x.scalar_type()).item<double>();
    const double upper = at::scalar_tensor(options.upper, x.scalar_type()).item<double>();
    ASSERT_GE(x.min().item<double>(), lower);
    ASSERT_LE(x.max().item<double>(), upper);
    if (!r.ok) {
      stats->failure = r.failure;
      break;
    }
  }
  stats->f = f(x, g);
  stats->pg = projected_gradient(x, g, options.lower, options.upper);
  std::printf("[stats] %s: %d iterations, %d evaluations (%.3f per iteration), f = %.12g, pg = %.3g %s\n",
              label, stats->steps, stats->evaluations,
              stats->evaluations / static_cast<double>(std::max(stats->steps, 1)), stats->f, stats->pg,
              stats->failure.c_str());
}

// KKT of the box problem: zero gradient on free variables, outward gradient only at bounds.
void expect_kkt(const at::Tensor& x64, const at::Tensor& g64, double lower, double upper, double tol) {
  const double eps = 1e-9;
  at::Tensor at_lower = std::isfinite(lower) ? x64 <= lower + eps : at::zeros_like(x64, at::kBool);
  at::Tensor at_upper = std::isfinite(upper) ? x64 >= upper - eps : at::zeros_like(x64, at::kBool);
  const at::Tensor free = at::logical_not(at::logical_or(at_lower, at_upper));
  if (free.any().item<bool>()) EXPECT_LT(max_abs(g64.masked_select(free)), tol);
  if (at_lower.any().item<bool>()) EXPECT_GT(g64.masked_select(at_lower).min().item<double>(), -tol);
  if (at_upper.any().item<bool>()) EXPECT_LT(g64.masked_select(at_upper).max().item<double>(), tol);
}

std::string python_with_scipy() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("NST_PYTHON")) candidates.emplace_back(env);
  candidates.emplace_back("/usr/bin/python3");
  candidates.emplace_back("python3");
  for (const auto& python : candidates) {
    const std::string probe = python + " -c 'import scipy.optimize' >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return python;
  }
  return "";
}

// scipy's L-BFGS-B solution of the chained Rosenbrock problem (empty without scipy).
std::vector<double> scipy_rosenbrock(const at::Tensor& x0, int history, double lower, double upper) {
  const std::string python = python_with_scipy();
  if (python.empty()) return {};
  const auto path = std::filesystem::temp_directory_path() /
                    ("nst_test_lbfgsb_" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(path);
    out.precision(17);
    out << x0.size(0) << " " << history << " " << lower << " " << upper << "\n";
    for (int64_t i = 0; i < x0.size(0); ++i) out << x0[i].item<double>() << " ";
  }
  const std::string command =
      python + " " NST_SOURCE_DIR "/tests/reference/lbfgsb_rosenbrock.py " + path.string();
  std::printf("[stats] scipy (nit nfev f): ");
  std::fflush(stdout);
  FILE* pipe = popen(command.c_str(), "r");
  std::vector<double> reference;
  double value = 0;
  while (pipe && std::fscanf(pipe, "%lf", &value) == 1) reference.push_back(value);
  const int status = pipe ? pclose(pipe) : -1;
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << command;
  return reference;
}

void check_rosenbrock(double lower, double upper, uint64_t seed) {
  const int64_t n = 100;
  Uniform uniform(seed);
  std::vector<double> start(n);
  for (auto& v : start) v = uniform(std::max(lower, -1.2), upper);
  at::Tensor x = at::tensor(start, at::kDouble);
  const at::Tensor x0 = x.clone();
  OptimizerOptions options;
  options.history = 10;  // scipy's default maxcor
  options.lower = lower;
  options.upper = upper;
  RunStats stats;
  run_bounded(options, x, chained_rosenbrock, 500, 1e-6, &stats, "rosenbrock");
  EXPECT_LT(stats.pg, 1e-6) << stats.failure;
  at::Tensor g = at::empty_like(x);
  chained_rosenbrock(x, g);
  expect_kkt(x, g, lower, upper, 1e-6);
  EXPECT_LE(stats.evaluations, 1.3 * stats.steps) << "evaluations per iteration";
  const std::vector<double> reference = scipy_rosenbrock(x0, options.history, lower, upper);
  if (reference.empty()) GTEST_SKIP() << "no python3 with scipy; only the KKT check ran";
  ASSERT_EQ(static_cast<int64_t>(reference.size()), n);
  EXPECT_LT(max_abs(x - at::tensor(reference, at::kDouble)), 1e-5);
}

TEST(LbfgsB, ChainedRosenbrockMatchesScipy) { check_rosenbrock(-1.5, 0.8, 11); }

TEST(LbfgsB, ChainedRosenbrockLowerBoundsActiveMatchesScipy) { check_rosenbrock(0.012, 0.8, 12); }

TEST(LbfgsB, BoundedQuadraticAboutOneEvaluationPerIteration) {
  // The problem of Lbfgs.BoundedQuadraticMatchesScipy (test_optim.cpp).
  const Quadratic q = random_quadratic(30, 20240501, -1.0, 2.0, 0.3);
  OptimizerOptions options;
  options.lower = 0, options.upper = 1;
  at::Tensor x = at::full({30}, 0.5, at::kDouble);
  RunStats stats;
  run_bounded(options, x, q, 300, 1e-8, &stats, "quadratic");
  EXPECT_LT(stats.pg, 1e-8) << stats.failure;
  EXPECT_LE(stats.evaluations, 1.3 * stats.steps);
}

TEST(LbfgsB, StartExactlyOnTheBounds) {
  // x0 in {0, 1}: the gradient pushes some of those variables inward, some outward.
  const int64_t n = 300;
  const Quadratic q = random_quadratic(n, 99, -1.0, 2.0, 0.2);
  Uniform uniform(5);
  std::vector<double> start(n);
  for (auto& v : start) v = uniform(0, 1) < 0.5 ? 0.0 : 1.0;
  at::Tensor x = at::tensor(start, at::kDouble);
  at::Tensor g = at::empty_like(x);
  q(x, g);
  const at::Tensor inward = at::logical_or(at::logical_and(x == 0, g < 0), at::logical_and(x == 1, g > 0));
  const at::Tensor outward = at::logical_or(at::logical_and(x == 0, g > 0), at::logical_and(x == 1, g < 0));
  ASSERT_GT(inward.sum().item<int64_t>(), 10);
  ASSERT_GT(outward.sum().item<int64_t>(), 10);
  OptimizerOptions options;
  options.lower = 0, options.upper = 1;
  options.history = 10;
  RunStats stats;
  run_bounded(options, x, q, 500, 1e-7, &stats, "quadratic from bounds");
  EXPECT_LT(stats.pg, 1e-7) << stats.failure;
  q(x, g);
  expect_kkt(x, g, 0, 1, 1e-7);
  EXPECT_LE(stats.evaluations, 1.3 * stats.steps);

  // Separable version: the solution is clamp(c, 0, 1).
  const at::Tensor c = at::linspace(-0.5, 1.5, n, at::kDouble);
  const at::Tensor lambda = at::linspace(1, 50, n, at::kDouble).flip(0);
  const Objective separable = [&](const at::Tensor& p, at::Tensor& grad) {
    grad.copy_(lambda * (p - c));
    return 0.5 * at::dot(p - c, lambda * (p - c)).item<double>();
  };
  x = at::tensor(start, at::kDouble);
  RunStats separable_stats;
  run_bounded(options, x, separable, 500, 1e-6, &separable_stats, "separable from bounds");
  EXPECT_LT(separable_stats.pg, 1e-6) << separable_stats.failure;
  EXPECT_LT(max_abs(x - c.clamp(0, 1)), 1e-6);
  EXPECT_LE(separable_stats.evaluations, 1.3 * separable_stats.steps);
}

TEST(LbfgsB, Float32Rosenbrock) {
  // The problem of ChainedRosenbrockMatchesScipy in float32, against the float64 solution.
  const int64_t n = 100;
  Uniform uniform(11);
  std::vector<double> start(n);
  for (auto& v : start) v = uniform(-1.2, 0.8);
  OptimizerOptions options;
  options.lower = -1.5, options.upper = 0.8;
  options.history = 10;
  at::Tensor x = at::tensor(start, at::kDouble).to(at::kFloat);
  RunStats stats;
  run_bounded(options, x, chained_rosenbrock, 200, 1e-3, &stats, "rosenbrock float32");
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  EXPECT_LT(stats.pg, 1e-2) << stats.failure;
  at::Tensor x64 = at::tensor(start, at::kDouble);
  RunStats stats64;
  run_bounded(options, x64, chained_rosenbrock, 500, 1e-6, &stats64, "rosenbrock float64");
  EXPECT_LT(max_abs(x.to(at::kDouble) - x64), 1e-3);
  EXPECT_LE(stats.evaluations, 1.3 * stats.steps);
}

TEST(LbfgsB, ReducedPrecisionHistory) {
  const Quadratic q = random_quadratic(200, 31, -1.0, 2.0, 0.1);
  for (HistoryPrecision precision : {HistoryPrecision::kFloat16, HistoryPrecision::kBFloat16}) {
    OptimizerOptions options;
    options.lower = 0, options.upper = 1;
    options.history = 10;
    options.history_precision = precision;
    options.history_device = "cpu";
    at::Tensor x = at::full({200}, 0.5, at::kDouble);
    RunStats stats;
    run_bounded(options, x, q, 400, 1e-7, &stats, to_string(precision).c_str());
    EXPECT_LT(stats.pg, 1e-7) << stats.failure;
    at::Tensor g = at::empty_like(x);
    q(x, g);
    expect_kkt(x, g, 0, 1, 1e-7);
    EXPECT_LE(stats.evaluations, 1.5 * stats.steps);
  }
}

TEST(LbfgsB, OneSidedBound) {
  // Only x >= 0: half of the unconstrained minimizer is negative.
  const Quadratic q = random_quadratic(60, 8, -1.0, 1.0, 0.3);
  OptimizerOptions options;
  options.lower = 0;
  at::Tensor x = at::full({60}, 2.0, at::kDouble);
  RunStats stats;
  run_bounded(options, x, q, 300, 1e-7, &stats, "lower bound only");
  EXPECT_LT(stats.pg, 1e-7) << stats.failure;
  at::Tensor g = at::empty_like(x);
  q(x, g);
  expect_kkt(x, g, 0, kInf, 1e-7);
  EXPECT_LE(stats.evaluations, 1.3 * stats.steps);
}

TEST(LbfgsB, LinearObjectiveGoesToTheCornerAndStops) {
  at::Tensor w = at::linspace(-1, 1, 41, at::kDouble);
  w[20] = 0.0;  // exactly: that variable stays where it is
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    g.copy_(w);
    return at::dot(w, x).item<double>();
  };
  OptimizerOptions options;
  options.lower = 0, options.upper = 1;
  auto optimizer = make_optimizer(options);
  at::Tensor x = at::full({41}, 0.5, at::kDouble);
  StepResult r;
  int steps = 0;
  for (; steps < 40; ++steps) {
    r = optimizer->step(x, f);
    if (!r.ok) break;
  }
  EXPECT_EQ(r.failure, "lbfgs: converged (projected gradient is zero)");
  EXPECT_LT(steps, 40);
  const at::Tensor expected = at::where(w > 0, at::zeros_like(w), at::where(w < 0, at::ones_like(w), x));
  EXPECT_EQ(max_abs(x - expected), 0.0);
}

TEST(LbfgsB, FixedStepModeStaysInTheBoxAndConverges) {
  // line_search = false: each iteration takes the whole segment to the subspace point.
  const Quadratic q = random_quadratic(30, 20240501, -1.0, 2.0, 0.3);
  OptimizerOptions options;
  options.lower = 0, options.upper = 1;
  options.line_search = false;
  at::Tensor x = at::full({30}, 0.5, at::kDouble);
  RunStats stats;
  run_bounded(options, x, q, 300, 1e-8, &stats, "quadratic, fixed step");
  EXPECT_LT(stats.pg, 1e-8) << stats.failure;
  EXPECT_EQ(stats.evaluations, stats.steps + 1);  // one per iteration, plus the start point
}

// The model m(z) = g·z + z'Bz / 2 of the compact form, z = P(x - t g) - x.
double model_on_path(const detail::CompactLbfgs& b, const at::Tensor& x, const at::Tensor& g, double t) {
  const at::Tensor z = (x - t * g).clamp(0, 1) - x;
  const at::Tensor wz = b.wt(z);
  const double zbz = b.theta() * at::dot(z, z).item<double>() - at::dot(wz, b.middle().mv(wz)).item<double>();
  return at::dot(g, z).item<double>() + 0.5 * zbz;
}

TEST(LbfgsB, CauchyPointAcrossManyBreakpointChunks) {
  // n = 20000 variables, most of them reaching a bound before the model's minimizer, so the
  // breakpoint scan runs through several chunks (1024, 4096, 16384 rows); a fifth of x starts on
  // a bound with the gradient pointing out (breakpoint 0).
  at::manual_seed(17);
  const int64_t n = 20000;
  at::Tensor x = at::rand({n}, at::TensorOptions().dtype(at::kDouble)).mul_(0.9).add_(0.05);
  const at::Tensor g = at::randn({n}, at::kDouble).mul_(20);
  x.masked_fill_(at::logical_and(at::arange(n) % 5 == 0, g > 0), 0.0);
  x.masked_fill_(at::logical_and(at::arange(n) % 5 == 0, g < 0), 1.0);
  const at::Tensor lambda = at::rand({n}, at::kDouble).mul_(1.5).add_(0.5);
  detail::CompactLbfgs b(5, HistoryPrecision::kFull, std::nullopt);
  for (int i = 0; i < 5; ++i) {
    at::Tensor s = at::randn({n}, at::kDouble).mul_(0.01);
    ASSERT_TRUE(b.add(s, lambda * s, 1e-10));
  }
  const detail::CauchyPoint cp = detail::cauchy_point(x, g, 0, 1, b);
  const at::Tensor breakpoints = at::where(g < 0, (x - 1) / g, x / g);
  const int64_t passed = (breakpoints <= cp.t).sum().item<int64_t>();
  EXPECT_GT(passed, 1024 + 4096) << "the test should reach the third chunk";
  EXPECT_LT(passed, n);
  EXPECT_LT(max_abs(cp.x - (x - cp.t * g).clamp(0, 1)), 1e-12);
  EXPECT_TRUE(at::equal(cp.free, breakpoints > cp.t));
  // A local minimizer along the path, and the model decreases from t = 0 up to it.
  const double at_cp = model_on_path(b, x, g, cp.t);
  const double h = 1e-7 * cp.t;
  EXPECT_LE(at_cp, model_on_path(b, x, g, cp.t + h) + 1e-9 * std::abs(at_cp));
  EXPECT_LE(at_cp, model_on_path(b, x, g, cp.t - h) + 1e-9 * std::abs(at_cp));
  double previous = 0;
  for (int i = 1; i <= 200; ++i) {
    const double value = model_on_path(b, x, g, cp.t * i / 200);
    EXPECT_LE(value, previous + 1e-9 * std::abs(at_cp)) << "t = " << cp.t * i / 200;
    previous = value;
  }
}

}  // namespace
}  // namespace nst
