#pragma once
// The iteration loop shared by the pipelines: steps the optimizer, keeps the last good image,
// reports progress, honours the abort hook, stops on failure or convergence.
#include <ATen/ATen.h>

#include <functional>
#include <limits>
#include <map>
#include <string>

#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/run.h"

namespace nst::detail {

struct LoopResult {
  at::Tensor best;  ///< the last iterate with a finite loss
  IterationReport last;
  StopReason stop = StopReason::kIterations;
  std::string message;
  int evaluations = 0;  ///< objective evaluations spent in this call
  int flat = 0;         ///< the convergence test's state after the last iteration (see LoopOptions)
  double previous = std::numeric_limits<double>::infinity();
};

/// Parts of the loss at the latest evaluation, for the report.
using PartsGetter = std::function<std::map<std::string, double>()>;

/// Called after every optimizer step, failed ones included, before the report. It may edit x
/// (then it must reset the optimizer and set step.loss to f(x)), mark a failed step as recovered
/// (step.ok = true) and name an event for the report. Returns false to stop after this iteration
/// (StopReason::kConverged, message = the event).
using StepHook = std::function<bool(StepResult& step, at::Tensor& x, std::string& event)>;

/// Extras for pipelines that run the loop in stages (coarse-to-fine) or watch every step.
struct LoopOptions {
  StepHook hook;                ///< optional
  int first_iteration = 1;      ///< number reported for this call's first step
  int total_iterations = 0;     ///< planned iterations in the report; 0 = this call's count
  int evaluations_before = 0;   ///< added to total_evaluations in the report
  double seconds_before = 0;    ///< added to seconds in the report
  /// The convergence test (stop after 10 iterations in a row with a relative decrease below 1e-7)
  /// starts from these: a resumed run (nst/checkpoint.h) continues the count where it stood.
  int flat_before = 0;
  double previous_before = std::numeric_limits<double>::infinity();
  /// Called after every completed iteration (reported, convergence counted; not after an abort)
  /// with the report and the convergence state: the moment a checkpoint describes exactly.
  std::function<void(const IterationReport& report, int flat, double previous)> after_iteration;
};

/// Runs up to `iterations` optimizer steps on x (in place).
LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress);

/// The same with stage offsets and a step hook.
LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress, const LoopOptions& options);

}  // namespace nst::detail
