// SGD with heavy-ball momentum (v = mu v + g; x -= lr v); x is clamped into the box each step.
#include <cmath>
#include <string>

#include "optim/lbfgs.h"

namespace nst::detail {
namespace {

class SgdOptimizer final : public Optimizer {
 public:
  explicit SgdOptimizer(const OptimizerOptions& options) : options_(options) {}

  // As Adam: the objective is evaluated at the new x (for StepResult.loss) and that gradient
  // drives the next step, so one call per step once running.
  StepResult step(at::Tensor& x, const Objective& f) override {
    at::NoGradGuard no_grad;
    check_step_input(x);
    StepResult result;
    bool finite = true;
    result.evaluations = cache_.refresh(x, f, options_.lower, options_.upper, &finite);
    result.loss = cache_.f();
    if (!finite) {
      result.ok = false;
      result.failure = "sgd: objective or gradient is not finite at the current x";
      return result;
    }
    const at::Tensor& g = cache_.g();
    if (!velocity_.defined() || !velocity_.sizes().equals(x.sizes()) ||
        !velocity_.options().type_equal(x.options())) {
      velocity_ = g.clone();
    } else {
      velocity_.mul_(options_.momentum).add_(g);
    }
    at::Tensor x_new = at::add(x, velocity_, -options_.learning_rate);
    project_(x_new, options_.lower, options_.upper);

    at::Tensor g_new;
    const double f_new = evaluate(f, x_new, g_new);
    ++result.evaluations;
    if (!std::isfinite(f_new) || !all_finite(g_new)) {
      velocity_ = at::Tensor();
      result.ok = false;
      result.failure = "sgd: objective or gradient is not finite after the update";
      return result;
    }
    x.copy_(x_new);
    cache_.store(x, f_new, std::move(g_new));
    result.loss = f_new;
    result.step_size = options_.learning_rate;
    return result;
  }

  void reset() override {
    velocity_ = at::Tensor();
    cache_.clear();
  }

  std::string name() const override { return "sgd"; }

 private:
  OptimizerOptions options_;
  at::Tensor velocity_;
  PointCache cache_;
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerOptions& options) {
  return std::make_unique<SgdOptimizer>(options);
}

}  // namespace nst::detail
