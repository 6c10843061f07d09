#pragma once
// Pieces of L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995; subspace step of Morales & Nocedal 2011, as
// in scipy's L-BFGS-B 3.0) on libtorch tensors of any device: the compact limited-memory matrix,
// the generalized Cauchy point and the subspace minimization. lbfgsb_optimizer.cpp drives them.
// Hand-written because no maintained C++ L-BFGS-B working on libtorch tensors exists in Debian.
#include <ATen/ATen.h>

#include <deque>
#include <optional>

#include "nst/optim.h"
#include "optim/lbfgs_history.h"
#include "optim/optimizer_state.h"

namespace nst::detail {

/// B = theta I - W M W' (BLNZ eq. 3.2), W = [Y, theta S] (n x 2m), from the stored pairs. The small
/// matrices S'S, S'Y, Y'Y are updated with dot products per new pair and kept in double on the
/// CPU; n-sized work goes through the StoredVectors (any precision, any device).
class CompactLbfgs {
 public:
  CompactLbfgs(int capacity, HistoryPrecision precision, std::optional<at::Device> device)
      : capacity_(capacity), precision_(precision), device_(device) {}

  /// Stores (s, y) (consumed) unless s·y of the stored vectors is <= min_curvature or not finite;
  /// returns whether it was kept. Drops the oldest pair beyond capacity.
  bool add(at::Tensor s, at::Tensor y, double min_curvature);
  void clear();
  int size() const { return static_cast<int>(pairs_.size()); }
  double theta() const { return theta_; }
  /// M (2m x 2m, double, CPU); empty when m = 0.
  const at::Tensor& middle() const { return middle_; }
  /// W'v (2m, double, CPU) for v shaped like the stored vectors.
  at::Tensor wt(const at::Tensor& v) const;
  /// v += W u for u of size 2m (double, CPU).
  void add_w(at::Tensor& v, const at::Tensor& u) const;
  /// Rows of W at the flat indices: k x 2m with the given options (double on x's device).
  at::Tensor rows(const at::Tensor& index, const at::TensorOptions& options) const;
  /// W'W (2m x 2m, double, CPU).
  at::Tensor gram() const;
  /// Adds the pairs, their dot-product tables, theta and M to a checkpoint's state ("model.*").
  void save(OptimizerState& state) const;
  /// Replaces the model by a saved one; pairs go to the history device, else `device`.
  void load(const StateReader& reader, const at::Device& device);

 private:
  struct Pair {
    StoredVector s, y;
  };
  void rebuild_middle();

  int capacity_;
  HistoryPrecision precision_;
  std::optional<at::Device> device_;
  std::deque<Pair> pairs_;  // oldest first
  // (i, j) entries over the pairs, oldest first: ss_ = s_i·s_j, sy_ = s_i·y_j, yy_ = y_i·y_j.
  std::deque<std::deque<double>> ss_, sy_, yy_;
  double theta_ = 1;
  at::Tensor middle_;
};

/// Generalized Cauchy point: the first local minimizer of the quadratic model along the projected
/// steepest-descent path P(x - t g).
struct CauchyPoint {
  at::Tensor x;     ///< the point (like x)
  at::Tensor free;  ///< bool, like x: variables not at a bound at the Cauchy point
  double t = 0;     ///< path parameter of the point
};

/// x must lie in [lower, upper]; g is the gradient at x with a nonzero projection.
CauchyPoint cauchy_point(const at::Tensor& x, const at::Tensor& g, double lower, double upper,
                         const CompactLbfgs& b);

/// Minimizes the model over the free variables of the Cauchy point (direct primal method, BLNZ
/// section 5.1) and returns the feasible end point of the search segment: the projected minimizer
/// when it gives descent from x, else the minimizer's direction cut at the box (Morales & Nocedal).
at::Tensor subspace_point(const at::Tensor& x, const at::Tensor& g, double lower, double upper,
                          const CompactLbfgs& b, const CauchyPoint& cp);

}  // namespace nst::detail
