#include "pipelines/optimize_loop.h"

#include <chrono>
#include <cmath>

namespace nst::detail {

LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  LoopResult result;
  result.best = x.detach().clone();
  // Converged: relative decrease below kTolerance for kPatience iterations in a row.
  constexpr double kTolerance = 1e-7;
  constexpr int kPatience = 10;
  int flat = 0;
  double previous = std::numeric_limits<double>::infinity();
  int total_evaluations = 0;
  for (int it = 1; it <= iterations; ++it) {
    StepResult step = optimizer.step(x, objective);
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
    r.iteration = it;
    r.total_iterations = iterations;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.loss = step.loss;
    r.parts = parts();
    r.evaluations = step.evaluations;
    r.total_evaluations = total_evaluations;
    r.step_size = step.step_size;
    if (progress && !progress(r, result.best)) {
      result.stop = StopReason::kAborted;
      break;
    }
    flat = (previous - step.loss) <= kTolerance * std::abs(previous) ? flat + 1 : 0;
    previous = step.loss;
    if (flat >= kPatience) {
      result.stop = StopReason::kConverged;
      break;
    }
  }
  return result;
}

}  // namespace nst::detail
