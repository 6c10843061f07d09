// Adam (Kingma & Ba) with bias correction; x is clamped into the box after every update.
#include <cmath>
#include <string>

#include "optim/lbfgs.h"

namespace nst::detail {
namespace {

class AdamOptimizer final : public Optimizer {
 public:
  explicit AdamOptimizer(const OptimizerOptions& options) : options_(options) {}

  // The gradient at the new x is computed at the end of each step (it gives StepResult.loss) and
  // reused by the next one, so a step costs one objective call once running.
  StepResult step(at::Tensor& x, const Objective& f) override {
    at::NoGradGuard no_grad;
    check_step_input(x);
    StepResult result;
    bool finite = true;
    result.evaluations = cache_.refresh(x, f, options_.lower, options_.upper, &finite);
    result.loss = cache_.f();
    if (!finite) {
      result.ok = false;
      result.failure = "adam: objective or gradient is not finite at the current x";
      return result;
    }
    const at::Tensor& g = cache_.g();
    if (!m_.defined() || !m_.sizes().equals(x.sizes()) || !m_.options().type_equal(x.options())) {
      m_ = at::zeros_like(x);
      v_ = at::zeros_like(x);
      count_ = 0;
    }
    ++count_;
    m_.mul_(options_.beta1).add_(g, 1 - options_.beta1);
    v_.mul_(options_.beta2).addcmul_(g, g, 1 - options_.beta2);
    const double correction1 = 1 - std::pow(options_.beta1, count_);
    const double correction2 = 1 - std::pow(options_.beta2, count_);
    at::Tensor denom = (v_ / correction2).sqrt_().add_(options_.epsilon);
    at::Tensor x_new = at::addcdiv(x, m_, denom, -options_.learning_rate / correction1);
    project_(x_new, options_.lower, options_.upper);

    at::Tensor g_new;
    const double f_new = evaluate(f, x_new, g_new);
    ++result.evaluations;
    if (!std::isfinite(f_new) || !all_finite(g_new)) {
      m_ = at::Tensor();  // the moments pushed x somewhere invalid: start them afresh
      result.ok = false;
      result.failure = "adam: objective or gradient is not finite after the update";
      return result;
    }
    x.copy_(x_new);
    cache_.store(x, f_new, std::move(g_new));
    result.loss = f_new;
    result.step_size = options_.learning_rate;
    return result;
  }

  void reset() override {
    m_ = at::Tensor();
    v_ = at::Tensor();
    count_ = 0;
    cache_.clear();
  }

  std::string name() const override { return "adam"; }

 private:
  OptimizerOptions options_;
  at::Tensor m_, v_;  // first and second moment estimates
  long count_ = 0;    // updates since the moments were zeroed
  PointCache cache_;
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(const OptimizerOptions& options) {
  return std::make_unique<AdamOptimizer>(options);
}

}  // namespace nst::detail
