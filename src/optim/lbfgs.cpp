// L-BFGS with a strong-Wolfe line search (line_search.cpp) and box bounds.
//
// Bounds: a simple projected L-BFGS rather than full L-BFGS-B (no generalized Cauchy point /
// subspace minimization), because our bound is a pixel box that is rarely active for most
// entries and the objective (a CNN pass) dominates cost. Each iteration:
//  * variables at a bound whose negative gradient points outward are "active"; they are zeroed
//    in the gradient fed to the two-loop recursion and in the resulting direction d;
//  * components of d that would push a variable sitting at a bound outward are zeroed too, so
//    for small t the path P(x + t d) is the straight line x + t d and phi'(0) = g·d exactly;
//  * the line search runs on phi(t) = f(P(x + t d)) with phi'(t) = sum over components still
//    moving (not clamped) of g_i d_i, i.e. the exact one-sided derivative along the path;
//  * if the strong-Wolfe search finds no decrease (kinks of the projected path can defeat the
//    cubic model), backtracking on the projected Armijo condition
//    f(x_t) <= f(x) + c1 g·(x_t - x) is tried before giving up;
//  * pairs s = x_new - x, y = g_new - g are stored only when s·y > kCurvatureEps, so the
//    implicit inverse Hessian stays positive definite; a non-descent direction resets history.
//    Pairs may be stored in float16/bfloat16 or on another device (lbfgs_history.h); rho and
//    the H0 scaling are then computed from the stored values, so H stays positive definite.
// Every trial point is clamped, so the iterate (and every point handed to the objective) stays
// inside the box.
#include "optim/lbfgs.h"

#include "optim/lbfgs_history.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nst::detail {
namespace {

constexpr double kCurvatureEps = 1e-10;   // smallest s·y kept as a pair
constexpr double kToleranceChange = 1e-9;  // bracket width (in x units) that ends a zoom

}  // namespace

namespace {

class LbfgsOptimizer final : public Optimizer {
 public:
  explicit LbfgsOptimizer(const OptimizerOptions& options)
      : options_(options),
        bounded_(std::isfinite(options.lower) || std::isfinite(options.upper)),
        history_device_(history_device(options)) {}

  StepResult step(at::Tensor& x, const Objective& f) override;

  void reset() override {
    history_.clear();
    fresh_ = true;
    cache_.clear();
  }

  std::string name() const override { return "lbfgs"; }

 private:
  struct Pair {
    StoredVector s, y;
    double rho = 0;  // 1 / s·y of the stored vectors
  };

  at::Tensor free_mask(const at::Tensor& x, const at::Tensor& g) const;
  void restrict_direction(at::Tensor& d, const at::Tensor& x, const at::Tensor& free) const;
  at::Tensor two_loop(const at::Tensor& gp) const;
  LinePoint evaluate_at(const at::Tensor& x, const at::Tensor& d, double t, const Objective& f) const;
  bool backtrack(const at::Tensor& x, const at::Tensor& d, double f0, const at::Tensor& g0,
                 double dphi0, double t, const Objective& f, LinePoint* accepted, int* evaluations) const;
  void remember(const at::Tensor& x_old, const at::Tensor& x_new, const at::Tensor& g_old,
                const at::Tensor& g_new);

  OptimizerOptions options_;
  bool bounded_;
  std::optional<at::Device> history_device_;  // where pairs live; nullopt = x's device
  std::deque<Pair> history_;  // oldest first
  double gamma_ = 1;          // H0 = gamma I, from the newest pair
  bool fresh_ = true;         // no step taken since construction/reset: scale the first step
  PointCache cache_;
};

// 1 where a variable may move, 0 where it sits at a bound and the descent direction points out.
at::Tensor LbfgsOptimizer::free_mask(const at::Tensor& x, const at::Tensor& g) const {
  at::Tensor active = at::zeros_like(x, x.options().dtype(at::kBool));
  if (std::isfinite(options_.lower)) active.logical_or_(at::logical_and(x <= options_.lower, g > 0));
  if (std::isfinite(options_.upper)) active.logical_or_(at::logical_and(x >= options_.upper, g < 0));
  return active.logical_not().to(x.scalar_type());
}

void LbfgsOptimizer::restrict_direction(at::Tensor& d, const at::Tensor& x,
                                        const at::Tensor& free) const {
  if (!bounded_) return;
  d.mul_(free);
  if (std::isfinite(options_.lower)) d.masked_fill_(at::logical_and(x <= options_.lower, d < 0), 0);
  if (std::isfinite(options_.upper)) d.masked_fill_(at::logical_and(x >= options_.upper, d > 0), 0);
}

// d = -H gp by the two-loop recursion.
at::Tensor LbfgsOptimizer::two_loop(const at::Tensor& gp) const {
  at::Tensor q = gp.neg();
  const size_t k = history_.size();
  std::vector<double> alpha(k);
  for (size_t i = k; i-- > 0;) {
    alpha[i] = history_[i].rho * history_[i].s.dot(q);
    history_[i].y.add_to(q, -alpha[i]);
  }
  q.mul_(gamma_);
  for (size_t i = 0; i < k; ++i) {
    const double beta = history_[i].rho * history_[i].y.dot(q);
    history_[i].s.add_to(q, alpha[i] - beta);
  }
  return q;
}

// phi(t) = f(P(x + t d)); phi'(t) sums g_i d_i over the components not clamped at t.
LinePoint LbfgsOptimizer::evaluate_at(const at::Tensor& x, const at::Tensor& d, double t,
                                      const Objective& f) const {
  LinePoint p;
  p.t = t;
  p.x = at::add(x, d, t);
  at::Tensor moving;
  if (bounded_) {
    moving = at::ones_like(x, x.options().dtype(at::kBool));
    if (std::isfinite(options_.lower)) moving.logical_and_(p.x > options_.lower);
    if (std::isfinite(options_.upper)) moving.logical_and_(p.x < options_.upper);
    project_(p.x, options_.lower, options_.upper);
  }
  p.f = evaluate(f, p.x, p.grad);
  if (!std::isfinite(p.f) || !all_finite(p.grad)) {
    p.f = std::numeric_limits<double>::infinity();  // "too far": the searches shrink t
    p.dphi = std::numeric_limits<double>::quiet_NaN();
    return p;
  }
  p.dphi = bounded_ ? dot_value(p.grad * moving, d) : dot_value(p.grad, d);
  return p;
}

// Backtracking on the projected Armijo condition; true (and *accepted) on success.
bool LbfgsOptimizer::backtrack(const at::Tensor& x, const at::Tensor& d, double f0,
                               const at::Tensor& g0, double dphi0, double t, const Objective& f,
                               LinePoint* accepted, int* evaluations) const {
  for (int i = 0; i < options_.max_line_search; ++i) {
    at::Tensor probe = at::add(x, d, t);
    project_(probe, options_.lower, options_.upper);
    if (at::equal(probe, x)) return false;  // step below the precision of x: stalled
    LinePoint p = evaluate_at(x, d, t, f);
    ++*evaluations;
    if (std::isfinite(p.f)) {
      const double predicted = dot_value(g0, p.x - x);  // <= t·dphi0 along the projected path
      if (p.f <= f0 + options_.c1 * predicted && p.f < f0) {
        *accepted = std::move(p);
        return true;
      }
      // Minimizer of the quadratic through f0, dphi0 and p.f, kept within [0.1 t, 0.5 t].
      const double denom = 2 * (p.f - f0 - dphi0 * t);
      const double t_quad = denom > 0 ? -dphi0 * t * t / denom : 0.5 * t;
      t = std::clamp(t_quad, 0.1 * t, 0.5 * t);
    } else {
      t *= 0.5;
    }
  }
  return false;
}

void LbfgsOptimizer::remember(const at::Tensor& x_old, const at::Tensor& x_new,
                              const at::Tensor& g_old, const at::Tensor& g_new) {
  Pair pair;
  pair.s.assign(at::sub(x_new, x_old), options_.history_precision, history_device_);
  pair.y.assign(at::sub(g_new, g_old), options_.history_precision, history_device_);
  // From the vectors as stored (rounded, maybe elsewhere), so that the recursion uses exactly them.
  const at::Tensor s = pair.s.decoded(x_new);
  const at::Tensor y = pair.y.decoded(x_new);
  const double ys = dot_value(s, y);
  if (!(ys > kCurvatureEps)) return;  // keeps H positive definite
  const double yy = dot_value(y, y);
  if (!(yy > 0) || !std::isfinite(ys / yy)) return;
  gamma_ = ys / yy;
  pair.rho = 1 / ys;
  history_.push_back(std::move(pair));
  if (history_.size() > static_cast<size_t>(std::max(options_.history, 0))) history_.pop_front();
}

StepResult LbfgsOptimizer::step(at::Tensor& x, const Objective& f) {
  at::NoGradGuard no_grad;
  check_step_input(x);
  StepResult result;
  if (!cache_.matches(x)) {  // x edited outside: old curvature pairs are stale
    history_.clear();
    fresh_ = true;
  }
  bool finite = true;
  result.evaluations = cache_.refresh(x, f, options_.lower, options_.upper, &finite);
  result.loss = cache_.f();
  if (!finite) {
    result.ok = false;
    result.failure = "lbfgs: objective or gradient is not finite at the current x";
    return result;
  }
  const double f0 = cache_.f();
  const at::Tensor g0 = cache_.g();
  const at::Tensor free = bounded_ ? free_mask(x, g0) : at::Tensor();
  const at::Tensor gp = bounded_ ? g0 * free : g0;
  const double gp_max = gp.abs().max().item<double>();
  if (gp_max == 0) {
    result.ok = false;
    result.failure = "lbfgs: converged (projected gradient is zero)";
    return result;
  }

  // Attempt 0 uses the quasi-Newton direction; attempt 1 (if that fails) steepest descent.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool steepest = attempt == 1 || history_.empty();
    at::Tensor d;
    double dphi0 = 0;
    if (!steepest) {
      d = two_loop(gp);
      restrict_direction(d, x, free);
      dphi0 = dot_value(g0, d);
    }
    if (steepest || !(dphi0 < 0)) {  // no usable curvature information: steepest descent
      steepest = true;
      history_.clear();
      d = gp.neg();
      restrict_direction(d, x, free);
      dphi0 = dot_value(g0, d);
    }
    if (!(dphi0 < 0)) {
      result.ok = false;
      result.failure = "lbfgs: no descent direction (gradient is not finite or zero)";
      return result;
    }
    // Without curvature information d = -g has gradient units; torch's first-step scaling.
    double t0 = options_.learning_rate;
    // Only on the first step (as torch): scaling again whenever the history is empty (pairs
    // skipped for s·y <= 0 at a fixed step) froze the step at ~1e-4 for every iteration.
    if (fresh_ && history_.empty()) t0 *= std::min(1.0, 1.0 / gp.abs().sum().item<double>());

    const auto phi = [&](double t) { return evaluate_at(x, d, t, f); };
    LinePoint accepted;
    bool have = false;
    if (options_.line_search) {
      LinePoint start;
      start.f = f0;
      start.dphi = dphi0;
      StrongWolfeOptions ls;
      ls.c1 = options_.c1;
      ls.c2 = options_.c2;
      ls.max_evaluations = options_.max_line_search;
      ls.t_tolerance = kToleranceChange / d.abs().max().item<double>();
      LineSearchResult search = strong_wolfe_search(phi, start, t0, ls);
      result.evaluations += search.evaluations;
      if (search.point.t > 0 && search.point.f < f0) {
        accepted = std::move(search.point);
        have = true;
      } else {
        have = backtrack(x, d, f0, g0, dphi0, t0, f, &accepted, &result.evaluations);
      }
    } else {
      // Fixed step as in neural-style; only a non-finite result makes it shrink.
      double t = t0;
      for (int i = 0; i < options_.max_line_search && !have; ++i, t *= 0.5) {
        accepted = phi(t);
        ++result.evaluations;
        have = std::isfinite(accepted.f);
      }
    }
    if (!have) {
      if (!steepest) continue;
      result.ok = false;
      result.failure = options_.line_search
                           ? "lbfgs: line search found no decrease after " +
                                 std::to_string(result.evaluations) + " evaluations"
                           : "lbfgs: objective is not finite at any tried step";
      return result;
    }
    remember(x, accepted.x, g0, accepted.grad);
    fresh_ = false;
    x.copy_(accepted.x);
    cache_.store(x, accepted.f, std::move(accepted.grad));
    result.loss = accepted.f;
    result.step_size = accepted.t;
    return result;
  }
  return result;  // unreachable: attempt 1 always returns
}

}  // namespace

std::unique_ptr<Optimizer> make_lbfgs(const OptimizerOptions& options) {
  return std::make_unique<LbfgsOptimizer>(options);
}

}  // namespace nst::detail
