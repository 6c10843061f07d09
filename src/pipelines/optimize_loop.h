#pragma once
// The iteration loop shared by the pipelines: steps the optimizer, keeps the last good image,
// reports progress, honours the abort hook, stops on failure or convergence.
#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>

#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/stylize.h"

namespace nst::detail {

struct LoopResult {
  at::Tensor best;  ///< the last iterate with a finite loss
  IterationReport last;
  StopReason stop = StopReason::kIterations;
  std::string message;
};

/// Parts of the loss at the latest evaluation, for the report.
using PartsGetter = std::function<std::map<std::string, double>()>;

/// Runs up to `iterations` optimizer steps on x (in place).
LoopResult optimize(Optimizer& optimizer, at::Tensor& x, const Objective& objective, const PartsGetter& parts,
                    int iterations, const ProgressCallback& progress);

}  // namespace nst::detail
