// Unit tests of the optimizers (src/optim): convergence, bounds, line search, robustness.
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

#include "nst/error.h"
#include "nst/optim.h"
#include "optim/lbfgs.h"
#include "test_functions.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."  // the real build defines it as the repository root
#endif

namespace nst {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Uniform doubles in [lo, hi) from a fixed-seed engine (same numbers on every platform).
class Uniform {
 public:
  explicit Uniform(uint64_t seed) : engine_(seed) {}
  double operator()(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(engine_() >> 11) * 0x1.0p-53;
  }

 private:
  std::mt19937_64 engine_;
};

using nst::test::rosenbrock;

// 0.5 x'Ax - b'x with a dense A.
struct Quadratic {
  at::Tensor a, b;
  double operator()(const at::Tensor& x, at::Tensor& g) const {
    const at::Tensor ax = at::mv(a, x);
    g.copy_(ax - b);
    return (0.5 * at::dot(x, ax) - at::dot(b, x)).item<double>();
  }
};

// Random SPD matrix M M'/n + shift I and b = A c, so the unconstrained minimizer is c.
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

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

OptimizerOptions lbfgs_options() { return OptimizerOptions{}; }  // kLbfgs is the default

// Runs up to max_steps iterations (stopping at the first !ok); returns the number of ok steps.
int run(Optimizer& optimizer, at::Tensor& x, const Objective& f, int max_steps,
        StepResult* last = nullptr) {
  int steps = 0;
  for (; steps < max_steps; ++steps) {
    StepResult r = optimizer.step(x, f);
    if (last) *last = r;
    if (!r.ok) break;
  }
  return steps;
}

TEST(Lbfgs, Rosenbrock2D) {
  at::Tensor x = at::tensor(std::vector<double>{-1.2, 1.0}, at::kDouble);
  auto optimizer = make_optimizer(lbfgs_options());
  double previous = kInf;
  int steps = 0;
  for (; steps < 100 && max_abs(x - 1) > 1e-6; ++steps) {
    const StepResult r = optimizer->step(x, rosenbrock);
    ASSERT_TRUE(r.ok) << r.failure;
    EXPECT_LT(r.loss, previous);  // the line search enforces decrease
    previous = r.loss;
  }
  EXPECT_LT(max_abs(x - 1), 1e-5) << "after " << steps << " steps";
  EXPECT_LT(steps, 100);
}

TEST(Lbfgs, Rosenbrock1000) {
  std::vector<double> start(1000);
  for (size_t i = 0; i < start.size(); ++i) start[i] = i % 2 == 0 ? -1.2 : 1.0;
  at::Tensor x = at::tensor(start, at::kDouble);
  OptimizerOptions options = lbfgs_options();
  options.history = 20;
  auto optimizer = make_optimizer(options);
  int steps = 0;
  for (; steps < 200 && max_abs(x - 1) > 1e-6; ++steps) {
    const StepResult r = optimizer->step(x, rosenbrock);
    ASSERT_TRUE(r.ok) << r.failure;
  }
  EXPECT_LT(max_abs(x - 1), 1e-5) << "after " << steps << " steps";
}

TEST(Lbfgs, IllConditionedQuadratic1000) {
  // Diagonal quadratic with eigenvalues log-spaced over [1, 1e3] (L-BFGS is rotation invariant).
  const int64_t n = 1000;
  const at::Tensor lambda = at::logspace(0, 3, n, 10, at::kDouble);
  const at::Tensor c = at::linspace(-1, 1, n, at::kDouble);
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    const at::Tensor r = x - c;
    g.copy_(lambda * r);
    return 0.5 * at::dot(r, lambda * r).item<double>();
  };
  at::Tensor x = at::zeros({n}, at::kDouble);
  auto optimizer = make_optimizer(lbfgs_options());
  StepResult last;
  const int steps = run(*optimizer, x, f, 400, &last);
  // scipy's L-BFGS-B (maxcor=100) needs about 260 iterations for this accuracy.
  EXPECT_LT(max_abs(x - c), 1e-5) << steps << " steps, " << last.failure;
}

// Finds a python3 with scipy (the system one first: pyenv shims may lack it).
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

TEST(Lbfgs, BoundedQuadraticMatchesScipy) {
  const int64_t n = 30;
  const Quadratic q = random_quadratic(n, 20240501, -1.0, 2.0, 0.3);  // optimum mostly outside
  OptimizerOptions options = lbfgs_options();
  options.lower = 0, options.upper = 1;
  int outside = 0;  // objective calls at points outside the box
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    if (x.min().item<double>() < 0 || x.max().item<double>() > 1) ++outside;
    return q(x, g);
  };
  at::Tensor x = at::full({n}, 0.5, at::kDouble);
  auto optimizer = make_optimizer(options);
  for (int i = 0; i < 300; ++i) {
    const StepResult r = optimizer->step(x, f);
    ASSERT_GE(x.min().item<double>(), 0.0);
    ASSERT_LE(x.max().item<double>(), 1.0);
    if (!r.ok) break;
  }
  EXPECT_EQ(outside, 0);

  // KKT: zero gradient on free variables, outward-pointing descent only at active bounds.
  at::Tensor g = at::empty_like(x);
  q(x, g);
  const at::Tensor free = at::logical_and(x > 1e-9, x < 1 - 1e-9);
  EXPECT_LT(max_abs(g.masked_select(free)), 1e-6);
  EXPECT_GT(g.masked_select(x <= 1e-9).min().item<double>(), -1e-6);
  EXPECT_LT(g.masked_select(x >= 1 - 1e-9).max().item<double>(), 1e-6);
  EXPECT_GT(at::logical_not(free).sum().item<int64_t>(), 0) << "test problem should hit bounds";

  const std::string python = python_with_scipy();
  if (python.empty()) GTEST_SKIP() << "no python3 with scipy; only the KKT check ran";
  const auto path = std::filesystem::temp_directory_path() /
                    ("nst_test_optim_" + std::to_string(getpid()) + ".txt");
  {
    std::ofstream out(path);
    out.precision(17);
    out << n << "\n";
    const at::Tensor a = q.a.contiguous();
    for (int64_t i = 0; i < n * n; ++i) out << a.data_ptr<double>()[i] << " ";
    for (int64_t i = 0; i < n; ++i) out << q.b[i].item<double>() << " ";
    for (int64_t i = 0; i < n; ++i) out << 0.0 << " ";
    for (int64_t i = 0; i < n; ++i) out << 1.0 << " ";
  }
  const std::string command = python + " " + NST_SOURCE_DIR "/tests/reference/lbfgsb_reference.py " +
                              path.string();
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::vector<double> reference;
  double value = 0;
  while (std::fscanf(pipe, "%lf", &value) == 1) reference.push_back(value);
  const int status = pclose(pipe);
  std::filesystem::remove(path);
  ASSERT_EQ(status, 0) << command;
  ASSERT_EQ(static_cast<int64_t>(reference.size()), n);
  EXPECT_LT(max_abs(x - at::tensor(reference, at::kDouble)), 1e-4);
}

TEST(Lbfgs, BoundedFloat32) {
  // Diagonal quadratic: the box-constrained minimizer is clamp(c, 0, 1).
  const int64_t n = 200;
  Uniform uniform(7);
  std::vector<float> c_values(n), lambda_values(n);
  for (auto& v : c_values) v = static_cast<float>(uniform(-0.5, 1.5));
  for (auto& v : lambda_values) v = static_cast<float>(uniform(1, 100));
  const at::Tensor c = at::tensor(c_values, at::kFloat);
  const at::Tensor lambda = at::tensor(lambda_values, at::kFloat);
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    const at::Tensor r = x - c;
    g.copy_(lambda * r);
    // Summed in float64: a float32 sum (~256 here) would hide the last digits of progress.
    return 0.5 * (r.to(at::kDouble).pow(2) * lambda.to(at::kDouble)).sum().item<double>();
  };
  OptimizerOptions options = lbfgs_options();
  options.lower = 0;
  options.upper = 1;
  at::Tensor x = at::full({n}, 0.5f, at::kFloat);
  auto optimizer = make_optimizer(options);
  for (int i = 0; i < 200; ++i) {
    const StepResult r = optimizer->step(x, f);
    ASSERT_GE(x.min().item<float>(), 0.0f);
    ASSERT_LE(x.max().item<float>(), 1.0f);
    if (!r.ok) break;
  }
  EXPECT_EQ(x.scalar_type(), at::kFloat);
  EXPECT_LT(max_abs(x - c.clamp(0, 1)), 1e-4);
}

// phi and phi' of a 1-D function as a LineFunction.
detail::LineFunction line(std::function<double(double)> phi, std::function<double(double)> dphi) {
  return [=](double t) {
    detail::LinePoint p;
    p.t = t;
    p.f = phi(t);
    p.dphi = dphi(t);
    return p;
  };
}

TEST(LineSearch, StrongWolfeOnMoreThuenteFunctions) {
  struct Case {
    detail::LineFunction phi;
    double c1, c2;
  };
  const double beta1 = 2, beta2 = 0.004;
  const std::vector<Case> cases = {
      // Moré & Thuente (1994) functions 1 and 2, and a quadratic with the optimizer's defaults.
      {line([=](double t) { return -t / (t * t + beta1); },
            [=](double t) { return (t * t - beta1) / std::pow(t * t + beta1, 2); }),
       1e-3, 0.1},
      {line([=](double t) { return std::pow(t + beta2, 5) - 2 * std::pow(t + beta2, 4); },
            [=](double t) { return 5 * std::pow(t + beta2, 4) - 8 * std::pow(t + beta2, 3); }),
       0.1, 0.1},
      {line([](double t) { return (t - 3) * (t - 3); }, [](double t) { return 2 * (t - 3); }), 1e-4,
       0.9},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    for (double t_init : {1e-3, 1e-1, 1.0, 10.0, 1e3}) {
      const detail::LinePoint start = cases[i].phi(0);
      ASSERT_LT(start.dphi, 0);
      detail::StrongWolfeOptions options;
      options.c1 = cases[i].c1;
      options.c2 = cases[i].c2;
      options.max_evaluations = 30;
      const detail::LineSearchResult r = detail::strong_wolfe_search(cases[i].phi, start, t_init, options);
      const detail::LinePoint& p = r.point;
      SCOPED_TRACE("function " + std::to_string(i) + " t_init " + std::to_string(t_init));
      EXPECT_TRUE(r.converged);
      EXPECT_GT(p.t, 0);
      EXPECT_LE(p.f, start.f + options.c1 * p.t * start.dphi);
      EXPECT_LE(std::abs(p.dphi), options.c2 * std::abs(start.dphi));
      EXPECT_LE(r.evaluations, options.max_evaluations);
    }
  }
}

TEST(LineSearch, NonFiniteValuesShrinkTheStep) {
  // phi = (t-1)^2 - 1 but NaN beyond t = 2: an initial step of 100 must come back inside.
  const auto phi = line([](double t) { return t > 2 ? std::nan("") : (t - 1) * (t - 1) - 1; },
                        [](double t) { return t > 2 ? std::nan("") : 2 * (t - 1); });
  detail::StrongWolfeOptions options;
  const detail::LineSearchResult r = detail::strong_wolfe_search(phi, phi(0), 100, options);
  EXPECT_TRUE(r.converged);
  EXPECT_GT(r.point.t, 0);
  EXPECT_LE(r.point.t, 2);
  EXPECT_TRUE(std::isfinite(r.point.f));
}

TEST(Lbfgs, FixedStepConvergesOnWellScaledQuadratic) {
  const int64_t n = 50;
  const Quadratic q = random_quadratic(n, 99, -1, 1, 1.0);  // eigenvalues in about [1, 2.5]
  OptimizerOptions options = lbfgs_options();
  options.line_search = false;
  at::Tensor x = at::zeros({n}, at::kDouble);
  auto optimizer = make_optimizer(options);
  StepResult last;
  for (int i = 0; i < 100; ++i) {
    last = optimizer->step(x, q);
    ASSERT_TRUE(last.ok) << last.failure;
    EXPECT_EQ(last.evaluations, i == 0 ? 2 : 1);  // start point once, then one call per step
  }
  const at::Tensor solution = at::linalg_solve(q.a, q.b);
  EXPECT_LT(max_abs(x - solution), 1e-8);
}

// 0.5 |x - 3|^2, but NaN (value and gradient) outside |x|_inf <= 2.
double nan_outside(const at::Tensor& x, at::Tensor& g) {
  if (max_abs(x) > 2) {
    g.fill_(std::nan(""));
    return std::nan("");
  }
  const at::Tensor r = x - 3;
  g.copy_(r);
  return 0.5 * at::dot(r, r).item<double>();
}

TEST(Lbfgs, NonFiniteRegionIsAvoided) {
  for (const bool line_search : {true, false}) {
    SCOPED_TRACE(line_search ? "line search" : "fixed step");
    OptimizerOptions options = lbfgs_options();
    options.line_search = line_search;
    auto optimizer = make_optimizer(options);
    at::Tensor x = at::zeros({5}, at::kDouble);
    double previous = kInf;
    int failures = 0;
    for (int i = 0; i < 40; ++i) {
      const at::Tensor before = x.clone();
      const StepResult r = optimizer->step(x, nan_outside);
      ASSERT_TRUE(detail::all_finite(x));
      if (r.ok) {
        EXPECT_TRUE(std::isfinite(r.loss));
        if (line_search) {
          EXPECT_LT(r.loss, previous);
        }
        previous = r.loss;
      } else {
        ++failures;
        EXPECT_FALSE(r.failure.empty());
        EXPECT_TRUE(at::equal(x, before));
        break;
      }
    }
    // Progress towards the optimum on the boundary of the finite region.
    EXPECT_GT(x.min().item<double>(), 1.0);
    EXPECT_LE(max_abs(x), 2.0);
  }
}

TEST(Lbfgs, NonFiniteEverywhereFailsCleanly) {
  int calls = 0;
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    g.copy_(x);
    return ++calls == 1 ? 1.0 : std::nan("");  // finite only at the start point
  };
  auto optimizer = make_optimizer(lbfgs_options());
  at::Tensor x = at::ones({4}, at::kDouble);
  const StepResult r = optimizer->step(x, f);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.failure.empty());
  EXPECT_TRUE(at::equal(x, at::ones({4}, at::kDouble)));
  EXPECT_EQ(r.evaluations, calls);

  const StepResult again = make_optimizer(lbfgs_options())->step(x, f);  // NaN at x itself
  EXPECT_FALSE(again.ok);
  EXPECT_NE(again.failure.find("not finite"), std::string::npos);
}

TEST(Lbfgs, LossIsAtNewXAndCachedPointIsReused) {
  at::Tensor x = at::tensor(std::vector<double>{-1.2, 1.0, 0.5, 0.3}, at::kDouble);
  int calls = 0;
  int calls_at_step_start = 0;  // objective calls at the x a step started from
  at::Tensor step_start;
  const Objective f = [&](const at::Tensor& point, at::Tensor& g) {
    ++calls;
    if (at::equal(point, step_start)) ++calls_at_step_start;
    return rosenbrock(point, g);
  };
  auto optimizer = make_optimizer(lbfgs_options());
  int total = 0;
  for (int i = 0; i < 10; ++i) {
    step_start = x.clone();
    const StepResult r = optimizer->step(x, f);
    ASSERT_TRUE(r.ok) << r.failure;
    total += r.evaluations;
    at::Tensor g = at::empty_like(x);
    EXPECT_DOUBLE_EQ(r.loss, rosenbrock(x, g));
    EXPECT_GT(r.step_size, 0);
  }
  EXPECT_EQ(total, calls);
  EXPECT_EQ(calls_at_step_start, 1);  // only the very first step evaluates its start point

  // reset(): the next step re-evaluates the start point and still works.
  optimizer->reset();
  calls_at_step_start = 0;
  step_start = x.clone();
  StepResult r = optimizer->step(x, f);
  ASSERT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(calls_at_step_start, 1);
  at::Tensor g = at::empty_like(x);
  EXPECT_DOUBLE_EQ(r.loss, rosenbrock(x, g));

  // Editing x outside the optimizer is detected without reset().
  x.add_(0.01);
  calls_at_step_start = 0;
  step_start = x.clone();
  r = optimizer->step(x, f);
  ASSERT_TRUE(r.ok) << r.failure;
  EXPECT_EQ(calls_at_step_start, 1);
  EXPECT_DOUBLE_EQ(r.loss, rosenbrock(x, g));
}

TEST(Lbfgs, ObjectiveMayRebindGrad) {
  at::Tensor shared = at::zeros({2}, at::kDouble);  // like a leaf's .grad() reused across calls
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    at::Tensor local = at::empty_like(x);
    const double value = rosenbrock(x, local);
    shared.copy_(local);
    g = shared;
    return value;
  };
  at::Tensor x = at::tensor(std::vector<double>{-1.2, 1.0}, at::kDouble);
  auto optimizer = make_optimizer(lbfgs_options());
  run(*optimizer, x, f, 100);
  EXPECT_LT(max_abs(x - 1), 1e-5);
}

void expect_first_order_method_works(OptimizerKind kind, double learning_rate) {
  // Separable quadratic with half of its minimizer outside [0, 1].
  const int64_t n = 64;
  const at::Tensor c = at::linspace(-0.5, 1.5, n, at::kDouble);
  const Objective f = [&](const at::Tensor& x, at::Tensor& g) {
    g.copy_(x - c);
    return 0.5 * (x - c).pow(2).sum().item<double>();
  };
  OptimizerOptions options;
  options.kind = kind;
  options.learning_rate = learning_rate;
  options.lower = 0;
  options.upper = 1;
  auto optimizer = make_optimizer(options);
  at::Tensor x = at::full({n}, 0.5, at::kDouble);
  at::Tensor g = at::empty_like(x);
  const double initial = f(x, g);
  StepResult r;
  for (int i = 0; i < 300; ++i) {
    r = optimizer->step(x, f);
    ASSERT_TRUE(r.ok) << r.failure;
    ASSERT_EQ(r.evaluations, i == 0 ? 2 : 1);
    ASSERT_GE(x.min().item<double>(), 0.0);
    ASSERT_LE(x.max().item<double>(), 1.0);
    EXPECT_DOUBLE_EQ(r.loss, f(x, g));
  }
  EXPECT_LT(r.loss, initial);
  EXPECT_LT(max_abs(x - c.clamp(0, 1)), 1e-2);
}

TEST(FirstOrder, AdamDecreasesQuadraticWithinBounds) {
  expect_first_order_method_works(OptimizerKind::kAdam, 0.05);
}

TEST(FirstOrder, SgdDecreasesQuadraticWithinBounds) {
  expect_first_order_method_works(OptimizerKind::kSgd, 0.1);
}

TEST(Factory, DefaultLearningRatePerKind) {
  // The one default every front end uses when --learning-rate is not given.
  EXPECT_EQ(default_learning_rate(OptimizerKind::kLbfgs), OptimizerOptions{}.learning_rate);
  EXPECT_EQ(default_learning_rate(OptimizerKind::kAdam), 0.01);
  EXPECT_EQ(default_learning_rate(OptimizerKind::kSgd), 1e-3);
}

TEST(Factory, ParsesNamesAndMakesOptimizers) {
  EXPECT_EQ(parse_optimizer_kind("lbfgs"), OptimizerKind::kLbfgs);
  EXPECT_EQ(parse_optimizer_kind("sgd"), OptimizerKind::kSgd);
  try {
    parse_optimizer_kind("newton");
    FAIL() << "expected nst::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_STREQ(e.what(), "unknown optimizer 'newton' (expected lbfgs, adam or sgd)");
  }
  for (const std::string name : {"lbfgs", "adam", "sgd"}) {
    OptimizerOptions options;
    options.kind = parse_optimizer_kind(name);
    EXPECT_EQ(make_optimizer(options)->name(), name);
  }
  OptimizerOptions bad;
  bad.lower = 1, bad.upper = 0;
  EXPECT_THROW(make_optimizer(bad), Error);
}

}  // namespace
}  // namespace nst
