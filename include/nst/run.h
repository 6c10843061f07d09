#pragma once
// What every optimization run shares (style transfer, texture, inversion, a video frame): the
// optimizer and its length, coarse-to-fine scales, seed, bounds, the network's set-up, and how a
// run ends. Each pipeline's options struct derives from RunOptions, so each default lives here once.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <utility>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/progress.h"

namespace nst {

/// How the pixels are kept in [0,1], the range of the saved image. Measured against each other
/// in bench/bench_bounds.cpp (loss of the saved image against seconds, on a panel of pairs).
enum class BoundsMethod {
  kClamp,    ///< optimize unbounded, clamp the result at the end (the saved image is not the optimum)
  kBox,      ///< box constraints inside the optimizer (L-BFGS-B; Adam/SGD project)
  kPenalty,  ///< unbounded, plus range_weight · mean(dist(x, [0,1])²); clamped at the end (style only)
  kPolish,   ///< unbounded, then the last polish_fraction of the final scale's iterations boxed (style only)
};
/// "clamp" | "box" | "penalty" | "polish"; throws nst::Error(kUsage) otherwise.
BoundsMethod parse_bounds_method(const std::string& name);
std::string to_string(BoundsMethod method);

/// Settings every run shares; the pipelines' options structs (StyleOptions, InvertOptions) derive
/// from it. One meaning of --scales everywhere: scale s (0 = coarsest) optimizes the image resized
/// by 1/scale_factor^(scales-1-s), each starting from the previous result upsampled with a fresh
/// optimizer history; `iterations` run at the full size, `coarse_iterations` at each coarser one.
struct RunOptions {
  OptimizerOptions optimizer;     ///< L-BFGS with strong-Wolfe line search; its bounds follow `bounds`
  int iterations = 500;           ///< at the final (full) size
  int scales = 1;                 ///< coarse-to-fine: the number of sizes; 1 = a single run at the full size
  double scale_factor = 1.41421356237309515;  ///< ratio of successive sizes (√2, as crowsonkb)
  int coarse_iterations = -1;     ///< iterations at each coarser scale; -1 = the same as iterations
  uint64_t seed = 0;              ///< noise init (and what else a pipeline draws at random)
  /// kBox: the saved image is the optimized one. bench_bounds, 128 px, 100 iterations, embedded net,
  /// 3 pairs: the saved image's loss 0.27x / 0.085x / 0.0084x of clamp's, its last iterate's loss
  /// 0.87-0.96x of clamp's iterate (docs/QUALITY.md).
  BoundsMethod bounds = BoundsMethod::kBox;
  Pooling pooling = Pooling::kAvg;
  std::string device = "cpu";     ///< "cpu" | "cuda" | "cuda:N"
  /// Arithmetic of the network (losses and optimizer stay float32); see ComputePrecision.
  ComputePrecision precision = ComputePrecision::kFloat32;
  bool allow_tf32 = true;         ///< CUDA only: TF32 tensor cores for float32 network passes
};

/// Checks iterations, scales, scale factor and coarse iterations; throws nst::Error(kUsage).
void check_run_options(const RunOptions& options);

/// Size (height, width) of coarse-to-fine scale s (0 = coarsest) for a full size of h x w.
std::pair<int, int> scale_size(int height, int width, int scale, const RunOptions& options);
/// Iterations run at scale s.
int scale_iterations(const RunOptions& options, int scale);
/// Iterations of the whole run, over all scales.
int total_iterations(const RunOptions& options);

/// Why a run ended.
enum class StopReason { kIterations, kConverged, kOptimizerFailed, kAborted };
std::string to_string(StopReason reason);

/// What a run produced; pipelines' results add their own measures.
struct RunResult {
  at::Tensor image;                     ///< 1x3xHxW RGB on CPU: the last good iterate, in [0,1]
  IterationReport last;                 ///< the last iteration's report (losses, time)
  StopReason stop = StopReason::kIterations;
  std::string message;                  ///< e.g. the optimizer's failure reason
};

}  // namespace nst
