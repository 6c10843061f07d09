#pragma once
// The step skeleton Adam and SGD share: evaluate (or reuse) f and g at x, apply the method's
// update, project into the box, evaluate at the new x (that gives StepResult.loss and the next
// gradient, so a running step costs one objective call), and undo nothing on failure.
#include <string>

#include "optim/lbfgs.h"
#include "optim/optimizer_state.h"

namespace nst::detail {

class FirstOrderOptimizer : public Optimizer {
 public:
  explicit FirstOrderOptimizer(const OptimizerOptions& options) : options_(options) {}

  StepResult step(at::Tensor& x, const Objective& f) final;
  void reset() final;
  OptimizerState state() const final;
  void load_state(const OptimizerState& state, const at::Device& device) final;

 protected:
  /// The method's update: returns the new (unprojected) x from x and the gradient g.
  virtual at::Tensor update(const at::Tensor& x, const at::Tensor& g) = 0;
  /// Forgets the method's own state (moments, velocity).
  virtual void clear_state() = 0;
  /// The method's own state into / out of a checkpoint's state (kind = name()).
  virtual void save_method(OptimizerState& state) const = 0;
  virtual void load_method(const StateReader& reader, const at::Device& device) = 0;

  OptimizerOptions options_;

 private:
  PointCache cache_;
};

}  // namespace nst::detail
