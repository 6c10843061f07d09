#pragma once
// The run harness every optimizing pipeline (style, texture, invert) is built on: one set-up path
// for the network and the optimizer, the noise start, and one coarse-to-fine driver that numbers
// iterations, evaluations and seconds across scales and stages and decides how the run ended.
#include <ATen/ATen.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/run.h"
#include "pipelines/optimize_loop.h"

namespace nst::detail {

/// The network of a run: layer names checked against the architecture, moved to the run's device
/// and precision, the device configured (TF32).
FeatureNet make_run_network(const VggWeights& weights, const RunOptions& options, const std::vector<std::string>& layers);

/// The run's optimizer settings, with box bounds [0,1] when `boxed`.
OptimizerOptions run_optimizer_options(const RunOptions& options, bool boxed);

/// Uniform noise around mid-grey, seeded, made on CPU so that one seed gives one image everywhere.
at::Tensor noise_image(int height, int width, uint64_t seed);

/// Turns an exception from libtorch into a one-line nst::Error: running out of memory (a c10::Error
/// saying so, or std::bad_alloc) becomes kResource with `advice` appended (what would fit); any
/// other libtorch error kNumeric, without libtorch's backtrace. Anything else is rethrown as is.
/// Call it from a catch (...) block at a pipeline's boundary.
[[noreturn]] void rethrow_as_nst_error(const std::string& what_ran, const std::string& advice);

/// Drives a run through its scales. A pipeline asks it for each scale's size and iteration count,
/// sets up its objective there and calls optimize() (once, or once per stage); the driver keeps
/// the report's numbering continuous and the run's end.
class RunDriver {
 public:
  RunDriver(const RunOptions& options, int height, int width);

  int scales() const { return options_.scales; }
  bool finest(int scale) const { return scale + 1 == options_.scales; }
  std::pair<int, int> size(int scale) const { return scale_size(height_, width_, scale, options_); }
  int iterations(int scale) const { return scale_iterations(options_, scale); }

  /// Runs up to `iterations` optimizer steps on x (in place) at `scale`. The first step of a scale
  /// of a multi-scale run names it in its report ("scale 2/3: 256x192"). `hook` as in optimize().
  LoopResult optimize(int scale, Optimizer& optimizer, at::Tensor& x, const Objective& objective,
                      const PartsGetter& parts, int iterations, const ProgressCallback& progress,
                      const StepHook& hook = {});

  /// Continues a run from a checkpoint (nst/checkpoint.h) taken after `iteration`, at `scale`:
  /// numbering goes on from iteration + 1 with the evaluations and seconds so far, the next
  /// optimize() call starts the convergence test at (flat, previous), `scale` is not named again.
  void resume(int scale, int iteration, int evaluations, double seconds, int flat, double previous);
  /// Called after every completed iteration with the loop's convergence state (LoopOptions::after_iteration).
  void set_after_iteration(std::function<void(const IterationReport&, int flat, double previous)> f) {
    loop_.after_iteration = std::move(f);
  }

  /// Aborted, or the optimizer failed: the pipeline stops (a convergence moves on to the next scale).
  bool stopped() const { return stopped_; }

  /// The run's end into `result`: last report, stop reason, message, and the image from x on CPU,
  /// clamped to [0,1], resized to the full size when the run stopped at a coarser scale.
  void finish(const at::Tensor& x, RunResult& result) const;

 private:
  RunOptions options_;
  int height_, width_;
  std::chrono::steady_clock::time_point start_;
  LoopOptions loop_;
  int named_scale_ = -1;  // the last scale whose first step was named
  bool stopped_ = false;
  IterationReport last_;
  StopReason stop_ = StopReason::kIterations;
  std::string message_;
};

}  // namespace nst::detail
