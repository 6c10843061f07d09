#pragma once
// Internals of the optim module: the strong-Wolfe line search (exposed for unit tests), helpers
// shared by the three optimizers, and the per-algorithm constructors used by make_optimizer.
#include <ATen/ATen.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>

#include "nst/error.h"
#include "nst/optim.h"

namespace nst::detail {

/// One point of a line search: t, phi(t), phi'(t), and opaque payloads (trial x and gradient).
struct LinePoint {
  double t = 0;        ///< step length
  double f = 0;        ///< phi(t)
  double dphi = 0;     ///< (one-sided) derivative of phi at t
  at::Tensor x;        ///< trial point, kept so the accepted one needs no recomputation
  at::Tensor grad;     ///< gradient of the objective at x
};

/// Evaluates phi at t (one objective call).
using LineFunction = std::function<LinePoint(double t)>;

/// Settings of strong_wolfe_search.
struct StrongWolfeOptions {
  double c1 = 1e-4;          ///< sufficient-decrease constant
  double c2 = 0.9;           ///< curvature constant
  int max_evaluations = 25;  ///< phi calls allowed
  double t_tolerance = 0;    ///< stop zooming when the bracket is narrower than this
  /// Largest step tried (L-BFGS-B: the end of the feasible segment). Reaching it with f still
  /// decreasing ends the search there (converged = false, the point has sufficient decrease).
  double t_max = std::numeric_limits<double>::infinity();
};

/// Outcome of strong_wolfe_search.
struct LineSearchResult {
  LinePoint point;       ///< accepted point; on failure the lowest sufficient-decrease point (maybe t=0)
  int evaluations = 0;   ///< phi calls spent
  bool converged = false;  ///< point satisfies both strong-Wolfe conditions
};

/// Bracketing + cubic-interpolation zoom (Nocedal & Wright, alg. 3.5/3.6). start is phi at t=0
/// with start.dphi < 0. Non-finite phi values count as "step too long".
LineSearchResult strong_wolfe_search(const LineFunction& phi, const LinePoint& start, double t_init,
                                     const StrongWolfeOptions& options);

/// Minimizer of the cubic interpolating (t1,f1,d1),(t2,f2,d2), clamped to [lo,hi]; the midpoint of
/// [lo,hi] when the cubic has no minimizer or an input is not finite.
double cubic_minimizer(double t1, double f1, double d1, double t2, double f2, double d2, double lo,
                       double hi);

/// a·b over all elements, as double.
inline double dot_value(const at::Tensor& a, const at::Tensor& b) {
  return at::dot(a.reshape(-1), b.reshape(-1)).item<double>();
}

/// True when every element is finite.
inline bool all_finite(const at::Tensor& t) { return at::isfinite(t).all().item<bool>(); }

/// Clamps x into [lower, upper] in place (either bound may be infinite).
inline void project_(at::Tensor& x, double lower, double upper) {
  if (std::isfinite(lower)) x.clamp_min_(lower);
  if (std::isfinite(upper)) x.clamp_max_(upper);
}

/// Calls f(x, grad) with grad preallocated like x. Copes with objectives that rebind grad instead
/// of writing into it (copying, so later objective calls cannot alias our buffer).
inline double evaluate(const Objective& f, const at::Tensor& x, at::Tensor& grad) {
  if (!grad.defined() || !grad.sizes().equals(x.sizes())) grad = at::empty_like(x);
  at::Tensor out = grad;
  const double value = f(x, out);
  NST_CHECK(out.defined() && out.sizes().equals(x.sizes()), kNumeric,
            "objective returned a gradient whose shape differs from x");
  if (!out.is_same(grad)) grad.copy_(out);
  return value;
}

/// Validates the tensor handed to Optimizer::step.
inline void check_step_input(const at::Tensor& x) {
  NST_CHECK(x.defined() && at::isFloatingType(x.scalar_type()), kUsage,
            "optimizer: x must be a defined floating-point tensor");
}

/// (x, f(x), grad f(x)) from the end of the last step, so the next step need not re-evaluate
/// the objective when x was not changed outside the optimizer.
class PointCache {
 public:
  /// True when x is bit-identical to the cached point.
  bool matches(const at::Tensor& x) const {
    return x_.defined() && x_.sizes().equals(x.sizes()) && x_.device() == x.device() &&
           x_.scalar_type() == x.scalar_type() && at::equal(x_, x);
  }
  /// Stores a copy of x (reusing the buffer) and takes f and g.
  void store(const at::Tensor& x, double f, at::Tensor g) {
    if (x_.defined() && x_.sizes().equals(x.sizes()) && x_.options().type_equal(x.options())) {
      x_.copy_(x);
    } else {
      x_ = x.clone();
    }
    f_ = f;
    g_ = std::move(g);
  }
  void clear() {
    x_ = at::Tensor();
    g_ = at::Tensor();
  }
  double f() const { return f_; }
  const at::Tensor& g() const { return g_; }
  /// The cached point (undefined when the cache is empty).
  const at::Tensor& x() const { return x_; }

  /// Makes the cache describe x: clamps x into the box and evaluates f there unless cached.
  /// Returns the number of objective calls (0 or 1); *finite is false when f or g is not finite.
  int refresh(at::Tensor& x, const Objective& f, double lower, double upper, bool* finite) {
    *finite = true;
    if (matches(x)) return 0;
    clear();
    project_(x, lower, upper);
    at::Tensor g;
    const double value = evaluate(f, x, g);
    *finite = std::isfinite(value) && all_finite(g);
    if (*finite) store(x, value, std::move(g));
    f_ = value;
    return 1;
  }

 private:
  at::Tensor x_, g_;
  double f_ = 0;
};

/// The start every L-BFGS step shares (plain and bounded): *stale tells whether x was edited outside
/// the optimizer (its curvature pairs no longer apply); the cache is made to describe x and result
/// gets the evaluations and the loss. False (result.ok = false, failure set) when f or its gradient
/// is not finite at x.
inline bool begin_lbfgs_step(at::Tensor& x, const Objective& f, double lower, double upper, PointCache& cache,
                             bool* stale, StepResult& result) {
  check_step_input(x);
  *stale = !cache.matches(x);
  bool finite = true;
  result.evaluations = cache.refresh(x, f, lower, upper, &finite);
  result.loss = cache.f();
  if (!finite) {
    result.ok = false;
    result.failure = "lbfgs: objective or gradient is not finite at the current x";
  }
  return finite;
}

std::unique_ptr<Optimizer> make_lbfgs(const OptimizerOptions& options);   // L-BFGS-B when bounded
std::unique_ptr<Optimizer> make_lbfgsb(const OptimizerOptions& options);  // lbfgsb_optimizer.cpp
std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options);
std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options);

}  // namespace nst::detail
