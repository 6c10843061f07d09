// The bounded mode of L-BFGS: L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995, with the Morales & Nocedal
// 2011 subspace step, as scipy's L-BFGS-B 3.0). make_lbfgs hands out this optimizer when a bound
// is finite. One iteration:
//  * generalized Cauchy point of the model B = theta I - W M W' along P(x - t g) (lbfgsb.cpp);
//  * subspace minimization over the variables free there, projected into the box (or cut at
//    the box when the projection gives no descent): the end point x̄ of the search segment;
//  * strong-Wolfe line search on the straight segment x + t (x̄ - x), t <= the largest feasible
//    step (1 on the first iteration, as scipy's lnsrlb), so phi is smooth and trial points are
//    in the box (clamped anyway against rounding). The first iteration starts at
//    min(learning_rate / |d|, 1), later ones at t = 1: about one evaluation per iteration.
//  * (s, y) is stored when s·y > kCurvatureEps (of the vectors as stored: float16/bfloat16 or
//    another device, lbfgs_history.h); a failed search retries once without history.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "optim/lbfgs.h"
#include "optim/lbfgsb.h"
#include "optim/optimizer_state.h"

namespace nst::detail {
namespace {

constexpr double kCurvatureEps = 1e-10;    // smallest s·y kept as a pair (as lbfgs.cpp)
constexpr double kToleranceChange = 1e-9;  // bracket width (in x units) that ends a zoom
constexpr double kLargestStep = 1e10;      // cap of the feasible step along the segment

class LbfgsbOptimizer final : public Optimizer {
 public:
  explicit LbfgsbOptimizer(const OptimizerOptions& options)
      : options_(options), model_(options.history, options.history_precision, history_device(options)) {}

  StepResult step(at::Tensor& x, const Objective& f) override;

  void reset() override {
    model_.clear();
    fresh_ = true;
    cache_.clear();
  }

  std::string name() const override { return "lbfgs"; }

  OptimizerState state() const override {
    OptimizerState state;
    state.kind = "lbfgsb";
    model_.save(state);
    state.scalars["fresh"] = fresh_ ? 1 : 0;
    save_cache(cache_, state);
    return state;
  }

  void load_state(const OptimizerState& state, const at::Device& device) override {
    const StateReader reader(state, "lbfgsb");
    const bool fresh = reader.integer("fresh", 0, 1) == 1;
    model_.load(reader, device);
    fresh_ = fresh;
    load_cache(cache_, reader, device);
  }

 private:
  // The largest t with x + t d in the box, and where the variables that block it lie then.
  struct SegmentEnd {
    double t = 1;
    at::Tensor blocked, value;  // undefined: none to snap (t = 1 uses the target itself)
  };
  SegmentEnd feasible_step(const at::Tensor& x, const at::Tensor& d) const;
  LinePoint evaluate_at(const at::Tensor& x, const at::Tensor& d, const at::Tensor& target,
                        const SegmentEnd& end, double t, const Objective& f) const;

  OptimizerOptions options_;
  CompactLbfgs model_;
  bool fresh_ = true;  // no step taken since construction/reset: first-iteration step rules
  PointCache cache_;
};

// Largest t with x + t d inside the box (>= 1 as x + d is inside), as scipy's stpmx.
LbfgsbOptimizer::SegmentEnd LbfgsbOptimizer::feasible_step(const at::Tensor& x, const at::Tensor& d) const {
  const at::Tensor d64 = d.to(at::kDouble), x64 = x.to(at::kDouble);
  at::Tensor ratio = at::full_like(d64, kLargestStep);
  if (std::isfinite(options_.upper)) ratio = at::where(d64 > 0, (options_.upper - x64) / d64, ratio);
  if (std::isfinite(options_.lower)) ratio = at::where(d64 < 0, (options_.lower - x64) / d64, ratio);
  SegmentEnd end;
  end.t = std::clamp(ratio.min().item<double>(), 1.0, kLargestStep);
  if (end.t > 1 && end.t < kLargestStep) {
    end.blocked = ratio <= end.t;
    end.value = at::full_like(x, std::isfinite(options_.lower) ? options_.lower : 0);
    if (std::isfinite(options_.upper)) end.value.masked_fill_(d > 0, options_.upper);
  }
  return end;
}

// phi(t) = f(x + t d) on the feasible segment; at t = 1 exactly the target and at the segment's
// end the blocking variables exactly on their bounds (x + t d would miss them by rounding).
LinePoint LbfgsbOptimizer::evaluate_at(const at::Tensor& x, const at::Tensor& d, const at::Tensor& target,
                                       const SegmentEnd& end, double t, const Objective& f) const {
  LinePoint p;
  p.t = t;
  p.x = t == 1 ? target.clone() : at::add(x, d, t);
  if (t >= end.t && end.blocked.defined()) p.x = at::where(end.blocked.view_as(x), end.value, p.x);
  project_(p.x, options_.lower, options_.upper);  // only rounding: t stays within the segment
  p.f = evaluate(f, p.x, p.grad);
  if (!std::isfinite(p.f) || !all_finite(p.grad)) {
    p.f = std::numeric_limits<double>::infinity();  // "too far": the search shrinks t
    p.dphi = std::numeric_limits<double>::quiet_NaN();
    return p;
  }
  p.dphi = dot_value(p.grad, d);
  return p;
}

StepResult LbfgsbOptimizer::step(at::Tensor& x, const Objective& f) {
  at::NoGradGuard no_grad;
  StepResult result;
  bool stale = false;
  const bool finite = begin_lbfgs_step(x, f, options_.lower, options_.upper, cache_, &stale, result);
  if (stale) {  // x edited outside: old curvature pairs are stale
    model_.clear();
    fresh_ = true;
  }
  if (!finite) return result;
  const double f0 = cache_.f();
  const at::Tensor g0 = cache_.g();
  at::Tensor projected = x - g0;
  project_(projected, options_.lower, options_.upper);
  if (at::equal(projected, x)) {
    result.ok = false;
    result.failure = "lbfgs: converged (projected gradient is zero)";
    return result;
  }

  std::string failure;
  // Attempt 0 uses the stored pairs; attempt 1 (if that fails) none (B = I: projected gradient).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (attempt == 1) {
      if (model_.size() == 0) break;
      model_.clear();
    }
    const CauchyPoint cp = cauchy_point(x, g0, options_.lower, options_.upper, model_);
    const at::Tensor target = subspace_point(x, g0, options_.lower, options_.upper, model_, cp);
    const at::Tensor d = target - x;
    const double dphi0 = dot_value(g0, d);
    if (!(dphi0 < 0)) {  // rounding spoiled the model's direction
      failure = "lbfgs: no descent direction (gradient is not finite or zero)";
      continue;
    }
    const bool first = fresh_ && model_.size() == 0;
    const SegmentEnd end = first ? SegmentEnd() : feasible_step(x, d);
    const double t_max = end.t;
    const double t0 =
        first ? std::min(options_.learning_rate / at::norm(d.to(at::kDouble)).item<double>(), t_max) : 1.0;

    const auto phi = [&](double t) { return evaluate_at(x, d, target, end, t, f); };
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
      ls.t_max = t_max;
      LineSearchResult search = strong_wolfe_search(phi, start, t0, ls);
      result.evaluations += search.evaluations;
      have = search.point.t > 0 && search.point.f < f0;
      if (have) accepted = std::move(search.point);
    } else {
      // Fixed step (neural-style's mode): the segment's end, halved only while f is not finite.
      double t = t0;
      for (int i = 0; i < options_.max_line_search && !have; ++i, t *= 0.5) {
        accepted = phi(t);
        ++result.evaluations;
        have = std::isfinite(accepted.f);
      }
    }
    if (!have) {
      failure = options_.line_search ? "lbfgs: line search found no decrease after " +
                                           std::to_string(result.evaluations) + " evaluations"
                                     : "lbfgs: objective is not finite at any tried step";
      continue;
    }
    model_.add(accepted.x - x, accepted.grad - g0, kCurvatureEps);
    fresh_ = false;
    x.copy_(accepted.x);
    cache_.store(x, accepted.f, std::move(accepted.grad));
    result.loss = accepted.f;
    result.step_size = accepted.t;
    return result;
  }
  result.ok = false;
  result.failure = failure;
  return result;
}

}  // namespace

std::unique_ptr<Optimizer> make_lbfgsb(const OptimizerOptions& options) {
  return std::make_unique<LbfgsbOptimizer>(options);
}

}  // namespace nst::detail
