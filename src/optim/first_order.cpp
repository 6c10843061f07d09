#include "optim/first_order.h"

#include <cmath>

namespace nst::detail {

StepResult FirstOrderOptimizer::step(at::Tensor& x, const Objective& f) {
  at::NoGradGuard no_grad;
  check_step_input(x);
  StepResult result;
  bool finite = true;
  result.evaluations = cache_.refresh(x, f, options_.lower, options_.upper, &finite);
  result.loss = cache_.f();
  if (!finite) {
    result.ok = false;
    result.failure = name() + ": objective or gradient is not finite at the current x";
    return result;
  }
  at::Tensor x_new = update(x, cache_.g());
  project_(x_new, options_.lower, options_.upper);

  at::Tensor g_new;
  const double f_new = evaluate(f, x_new, g_new);
  ++result.evaluations;
  if (!std::isfinite(f_new) || !all_finite(g_new)) {
    clear_state();  // the state pushed x somewhere invalid: start it afresh
    result.ok = false;
    result.failure = name() + ": objective or gradient is not finite after the update";
    return result;
  }
  x.copy_(x_new);
  cache_.store(x, f_new, std::move(g_new));
  result.loss = f_new;
  result.step_size = options_.learning_rate;
  return result;
}

OptimizerState FirstOrderOptimizer::state() const {
  OptimizerState state;
  state.kind = name();
  save_method(state);
  save_cache(cache_, state);
  return state;
}

void FirstOrderOptimizer::load_state(const OptimizerState& state, const at::Device& device) {
  const StateReader reader(state, name());
  load_method(reader, device);
  load_cache(cache_, reader, device);
}

void FirstOrderOptimizer::reset() {
  clear_state();
  cache_.clear();
}

}  // namespace nst::detail
