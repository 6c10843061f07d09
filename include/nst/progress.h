#pragma once
// Progress reporting: the library never prints; front ends get one report per iteration.
#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <string>

namespace nst {

/// State after one optimizer iteration.
struct IterationReport {
  int iteration = 0;                    ///< 1-based
  int total_iterations = 0;             ///< planned iterations
  double seconds = 0;                   ///< wall time since the optimization started
  double loss = 0;                      ///< total weighted loss
  std::map<std::string, double> parts;  ///< weighted loss per term, e.g. "content:relu4_2", "style:relu1_1", "tv"
  int evaluations = 0;                  ///< objective evaluations in this iteration
  int total_evaluations = 0;            ///< since the start
  double step_size = 0;                 ///< accepted step length
  std::string event;                    ///< non-empty when something happened (e.g. "blur", "reset")
};

/// Called after every iteration with the current image (1x3xHxW RGB [0,1]).
/// Return false to stop the run after this iteration (the abort hook).
using ProgressCallback = std::function<bool(const IterationReport& report, const at::Tensor& image)>;

/// Start-up milestones, named as a run passes them: "optimization started" (network, images and
/// targets ready: the first evaluation begins) and "first evaluation" (its loss and gradient
/// done), once per run (at its first scale). For timing start-up: nst --trace records them,
/// bench/bench_startup.cpp reads them. Called on the run's thread; keep it quick.
using MilestoneCallback = std::function<void(const std::string& milestone)>;
/// Process-wide, like the thread count: a front end's choice. Empty (the default): none.
void set_milestone_callback(MilestoneCallback callback);

}  // namespace nst
