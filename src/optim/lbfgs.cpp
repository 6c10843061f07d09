// L-BFGS with a strong-Wolfe line search (line_search.cpp), the unbounded mode of nst's L-BFGS.
//
// With a finite bound, make_lbfgs returns L-BFGS-B instead (lbfgsb_optimizer.cpp, lbfgsb.cpp):
// generalized Cauchy point, subspace minimization and a line search on a feasible segment. It
// replaced a projected L-BFGS (active variables zeroed in the two-loop recursion, line search
// along the projected path P(x + t d)) that spent ~2.3 evaluations per iteration on style
// transfer and ended at twice the loss of the unbounded run.
//
// Each iteration: d = -H g by the two-loop recursion; the strong-Wolfe search on x + t d; if it
// finds no decrease, backtracking on the Armijo condition; if that fails too, steepest descent.
// Pairs s = x_new - x, y = g_new - g are stored only when s·y > kCurvatureEps, so the implicit
// inverse Hessian stays positive definite; a non-descent direction resets history. Pairs may be
// stored in float16/bfloat16 or on another device (lbfgs_history.h); rho and the H0 scaling are
// then computed from the stored values, so H stays positive definite.
#include "optim/lbfgs.h"

#include "optim/lbfgs_history.h"
#include "optim/optimizer_state.h"

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
      : options_(options), history_device_(history_device(options)) {}

  StepResult step(at::Tensor& x, const Objective& f) override;

  void reset() override {
    history_.clear();
    fresh_ = true;
    cache_.clear();
  }

  std::string name() const override { return "lbfgs"; }

  OptimizerState state() const override;
  void load_state(const OptimizerState& state, const at::Device& device) override;

 private:
  struct Pair {
    StoredVector s, y;
    double rho = 0;  // 1 / s·y of the stored vectors
  };

  at::Tensor two_loop(const at::Tensor& gp) const;
  LinePoint evaluate_at(const at::Tensor& x, const at::Tensor& d, double t, const Objective& f) const;
  bool backtrack(const at::Tensor& x, const at::Tensor& d, double f0, const at::Tensor& g0,
                 double dphi0, double t, const Objective& f, LinePoint* accepted, int* evaluations) const;
  void remember(const at::Tensor& x_old, const at::Tensor& x_new, const at::Tensor& g_old,
                const at::Tensor& g_new);

  OptimizerOptions options_;
  std::optional<at::Device> history_device_;  // where pairs live; nullopt = x's device
  std::deque<Pair> history_;  // oldest first
  double gamma_ = 1;          // H0 = gamma I, from the newest pair
  bool fresh_ = true;         // no step taken since construction/reset: scale the first step
  PointCache cache_;
};

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

// phi(t) = f(x + t d), phi'(t) = g(x + t d)·d.
LinePoint LbfgsOptimizer::evaluate_at(const at::Tensor& x, const at::Tensor& d, double t,
                                      const Objective& f) const {
  LinePoint p;
  p.t = t;
  p.x = at::add(x, d, t);
  p.f = evaluate(f, p.x, p.grad);
  if (!std::isfinite(p.f) || !all_finite(p.grad)) {
    p.f = std::numeric_limits<double>::infinity();  // "too far": the searches shrink t
    p.dphi = std::numeric_limits<double>::quiet_NaN();
    return p;
  }
  p.dphi = dot_value(p.grad, d);
  return p;
}

// Backtracking on the projected Armijo condition; true (and *accepted) on success.
bool LbfgsOptimizer::backtrack(const at::Tensor& x, const at::Tensor& d, double f0,
                               const at::Tensor& g0, double dphi0, double t, const Objective& f,
                               LinePoint* accepted, int* evaluations) const {
  for (int i = 0; i < options_.max_line_search; ++i) {
    const at::Tensor probe = at::add(x, d, t);
    if (at::equal(probe, x)) return false;  // step below the precision of x: stalled
    LinePoint p = evaluate_at(x, d, t, f);
    ++*evaluations;
    if (std::isfinite(p.f)) {
      const double predicted = dot_value(g0, p.x - x);
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

OptimizerState LbfgsOptimizer::state() const {
  OptimizerState state;
  state.kind = "lbfgs";
  state.scalars["pairs"] = static_cast<double>(history_.size());
  for (size_t i = 0; i < history_.size(); ++i) {
    const std::string n = std::to_string(i);
    save_vector(history_[i].s, "s." + n, state);
    save_vector(history_[i].y, "y." + n, state);
    state.scalars["rho." + n] = history_[i].rho;
  }
  state.scalars["gamma"] = gamma_;
  state.scalars["fresh"] = fresh_ ? 1 : 0;
  save_cache(cache_, state);
  return state;
}

void LbfgsOptimizer::load_state(const OptimizerState& state, const at::Device& device) {
  const StateReader reader(state, "lbfgs");
  const at::Device where = history_device_.value_or(device);
  std::deque<Pair> history;
  const int64_t pairs = reader.integer("pairs", 0, std::max(options_.history, 0));
  for (int64_t i = 0; i < pairs; ++i) {
    const std::string n = std::to_string(i);
    Pair pair;
    pair.s = load_vector(reader, "s." + n, options_.history_precision, where);
    pair.y = load_vector(reader, "y." + n, options_.history_precision, where);
    pair.rho = reader.scalar("rho." + n);
    history.push_back(std::move(pair));
  }
  const double gamma = reader.scalar("gamma");
  const bool fresh = reader.integer("fresh", 0, 1) == 1;
  load_cache(cache_, reader, device);
  history_ = std::move(history);
  gamma_ = gamma;
  fresh_ = fresh;
}

StepResult LbfgsOptimizer::step(at::Tensor& x, const Objective& f) {
  at::NoGradGuard no_grad;
  StepResult result;
  bool stale = false;
  const bool finite = begin_lbfgs_step(x, f, options_.lower, options_.upper, cache_, &stale, result);
  if (stale) {  // x edited outside: old curvature pairs are stale
    history_.clear();
    fresh_ = true;
  }
  if (!finite) return result;
  const double f0 = cache_.f();
  const at::Tensor g0 = cache_.g();
  const at::Tensor& gp = g0;
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
      dphi0 = dot_value(g0, d);
    }
    if (steepest || !(dphi0 < 0)) {  // no usable curvature information: steepest descent
      steepest = true;
      history_.clear();
      d = gp.neg();
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
  if (std::isfinite(options.lower) || std::isfinite(options.upper)) return make_lbfgsb(options);
  return std::make_unique<LbfgsOptimizer>(options);
}

}  // namespace nst::detail
