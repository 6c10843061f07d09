// Strong-Wolfe line search with cubic-interpolation zoom (Nocedal & Wright, alg. 3.5/3.6),
// the one torch.optim.LBFGS offers as line_search_fn="strong_wolfe"; written for nst.
#include <algorithm>
#include <cmath>
#include <utility>

#include "optim/lbfgs.h"

namespace nst::detail {

namespace {

constexpr double kExtrapolateMin = 0.01;  // extrapolation: at least t + 1% of last move
constexpr double kExtrapolateMax = 10.0;  // ... and at most 10 t
constexpr double kZoomMargin = 0.1;       // zoom: keep trial points 10% inside the bracket

bool is_finite(const LinePoint& p) { return std::isfinite(p.f) && std::isfinite(p.dphi); }

}  // namespace

double cubic_minimizer(double t1, double f1, double d1, double t2, double f2, double d2, double lo,
                       double hi) {
  const double mid = 0.5 * (lo + hi);
  if (!(std::isfinite(t1) && std::isfinite(f1) && std::isfinite(d1) && std::isfinite(t2) &&
        std::isfinite(f2) && std::isfinite(d2)) ||
      t1 == t2) {
    return mid;
  }
  const double e1 = d1 + d2 - 3 * (f1 - f2) / (t1 - t2);
  const double disc = e1 * e1 - d1 * d2;
  if (!(disc >= 0)) return mid;
  const double e2 = std::sqrt(disc);
  const double t = t1 <= t2 ? t2 - (t2 - t1) * ((d2 + e2 - e1) / (d2 - d1 + 2 * e2))
                            : t1 - (t1 - t2) * ((d1 + e2 - e1) / (d1 - d2 + 2 * e2));
  if (!std::isfinite(t)) return mid;
  return std::clamp(t, lo, hi);
}

LineSearchResult strong_wolfe_search(const LineFunction& phi, const LinePoint& start, double t_init,
                                     const StrongWolfeOptions& options) {
  LineSearchResult result;
  const double f0 = start.f;
  const double d0 = start.dphi;
  const auto sufficient_decrease = [&](const LinePoint& p) {
    return is_finite(p) && p.f <= f0 + options.c1 * p.t * d0;
  };
  const auto curvature = [&](const LinePoint& p) { return std::abs(p.dphi) <= -options.c2 * d0; };
  const auto done = [&](LinePoint p) {
    result.point = std::move(p);
    result.converged = true;
    return result;
  };

  // Bracketing: grow t until the interval [lo, hi] surely contains a strong-Wolfe point.
  LinePoint prev = start;
  LinePoint lo, hi;
  bool bracketed = false;
  double t = std::min(t_init, options.t_max);
  while (result.evaluations < options.max_evaluations) {
    LinePoint cur = phi(t);
    ++result.evaluations;
    if (!sufficient_decrease(cur) || (result.evaluations > 1 && cur.f >= prev.f)) {
      lo = std::move(prev);
      hi = std::move(cur);
      bracketed = true;
      break;
    }
    if (curvature(cur)) return done(std::move(cur));
    if (cur.dphi >= 0) {
      hi = std::move(prev);
      lo = std::move(cur);
      bracketed = true;
      break;
    }
    if (t >= options.t_max) {  // still decreasing at the largest allowed step: take it
      result.point = std::move(cur);
      return result;
    }
    const double t_min = t + kExtrapolateMin * (t - prev.t);
    const double t_max = kExtrapolateMax * t;
    const double t_next = cubic_minimizer(prev.t, prev.f, prev.dphi, cur.t, cur.f, cur.dphi, t_min, t_max);
    prev = std::move(cur);
    t = std::min(t_next, options.t_max);
  }
  if (!bracketed) {  // out of evaluations while still decreasing: prev is the lowest point
    result.point = std::move(prev);
    return result;
  }

  // Zoom: lo always satisfies sufficient decrease and has the lowest f of the bracket ends.
  bool insufficient_progress = false;
  while (result.evaluations < options.max_evaluations) {
    const double a = std::min(lo.t, hi.t);
    const double b = std::max(lo.t, hi.t);
    if (b - a < options.t_tolerance) break;
    t = cubic_minimizer(lo.t, lo.f, lo.dphi, hi.t, hi.f, hi.dphi, a, b);
    // Trial points hugging an end of the bracket shrink it too slowly; push them inside.
    const double margin = kZoomMargin * (b - a);
    if (std::min(b - t, t - a) < margin) {
      if (insufficient_progress || t >= b || t <= a) {
        t = std::abs(t - b) < std::abs(t - a) ? b - margin : a + margin;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    LinePoint cur = phi(t);
    ++result.evaluations;
    if (!sufficient_decrease(cur) || cur.f >= lo.f) {
      hi = std::move(cur);
    } else {
      if (curvature(cur)) return done(std::move(cur));
      if (cur.dphi * (hi.t - lo.t) >= 0) hi = std::move(lo);
      lo = std::move(cur);
    }
  }
  result.point = std::move(lo);
  return result;
}

}  // namespace nst::detail
