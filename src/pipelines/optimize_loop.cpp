#include "pipelines/optimize_loop.h"

#include <chrono>
#include <cmath>

#include "util/milestones.h"

namespace nst::detail {

LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress) {
  return optimize(optimizer, x, objective, parts, iterations, progress, LoopOptions{});
}

LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress, const LoopOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  LoopResult result;
  result.best = x.detach().clone();
  result.flat = options.flat_before;
  result.previous = options.previous_before;
  // Converged: relative decrease below kTolerance for kPatience iterations in a row.
  constexpr double kTolerance = 1e-7;
  constexpr int kPatience = 10;
  int flat = options.flat_before;
  double previous = options.previous_before;
  int total_evaluations = 0;
  const int planned = options.total_iterations > 0 ? options.total_iterations : iterations;
  // A run resumed at the iteration that converged stops there, as the uninterrupted run did.
  if (flat >= kPatience) result.stop = StopReason::kConverged;
  // A run's first scale marks its start-up milestones (nst/progress.h) around the first evaluation.
  bool first_evaluation = options.first_iteration == 1 && iterations > 0 && flat < kPatience;
  const Objective marked = [&](const at::Tensor& xs, at::Tensor& grad) {
    if (!first_evaluation) return objective(xs, grad);
    milestone("optimization started");
    const double value = objective(xs, grad);
    first_evaluation = false;
    milestone("first evaluation");
    return value;
  };
  for (int it = 1; it <= iterations && flat < kPatience; ++it) {
    StepResult step = optimizer.step(x, it == 1 ? marked : objective);
    std::string event;
    const bool keep_going = options.hook ? options.hook(step, x, event) : true;
    total_evaluations += step.evaluations;
    if (!step.ok || !std::isfinite(step.loss)) {
      // A zero projected gradient is the optimizer's way of saying it is done.
      const bool done = !step.ok && step.failure.find("converged") != std::string::npos;
      result.stop = done ? StopReason::kConverged : StopReason::kOptimizerFailed;
      result.message = step.ok ? "loss is not finite" : step.failure;
      break;
    }
    result.best.copy_(x);
    IterationReport& r = result.last;
    r.iteration = options.first_iteration + it - 1;
    r.total_iterations = planned;
    r.seconds = options.seconds_before + std::chrono::duration<double>(Clock::now() - start).count();
    r.loss = step.loss;
    r.parts = parts();
    r.evaluations = step.evaluations;
    r.total_evaluations = options.evaluations_before + total_evaluations;
    r.step_size = step.step_size;
    r.event = event;
    // An edit of x (event) makes the loss jump: restart the convergence count there. Counted
    // before the report, so that an aborted run's state (a checkpoint's) includes this iteration.
    flat = event.empty() && (previous - step.loss) <= kTolerance * std::abs(previous) ? flat + 1 : 0;
    previous = step.loss;
    result.flat = flat;
    result.previous = previous;
    if (progress && !progress(r, result.best)) {
      result.stop = StopReason::kAborted;
      break;
    }
    if (options.after_iteration) options.after_iteration(r, flat, previous);
    if (!keep_going) {
      result.stop = StopReason::kConverged;
      result.message = event;
      break;
    }
    if (flat >= kPatience) {
      result.stop = StopReason::kConverged;
      break;
    }
  }
  result.evaluations = total_evaluations;
  return result;
}

}  // namespace nst::detail
