#pragma once
// The step skeleton Adam and SGD share: evaluate (or reuse) f and g at x, apply the method's
// update, project into the box, evaluate at the new x (that gives StepResult.loss and the next
// gradient, so a running step costs one objective call), and undo nothing on failure.
#include <string>

#include "optim/lbfgs.h"

namespace nst::detail {

class FirstOrderOptimizer : public Optimizer {
 public:
  explicit FirstOrderOptimizer(const OptimizerOptions& options) : options_(options) {}

  StepResult step(at::Tensor& x, const Objective& f) final;
  void reset() final;

 protected:
  /// The method's update: returns the new (unprojected) x from x and the gradient g.
  virtual at::Tensor update(const at::Tensor& x, const at::Tensor& g) = 0;
  /// Forgets the method's own state (moments, velocity).
  virtual void clear_state() = 0;

  OptimizerOptions options_;

 private:
  PointCache cache_;
};

}  // namespace nst::detail
