#pragma once
// Memory model of a style-transfer run: predicts peak resident memory before anything is
// allocated, so that a run that cannot fit is refused with the size that would.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/stylize.h"

namespace nst {

/// What a run's memory depends on.
struct MemoryPlanInput {
  int height = 512, width = 512;             ///< output (content) size, px
  std::vector<std::pair<int, int>> styles;   ///< (height, width) of each style image as used
  VggArch arch = VggArch::kVgg19;
  Padding padding = Padding::kReflect;       ///< the embedded net pads by reflection, trained VGGs by zeros
  Pooling pooling = Pooling::kAvg;
  std::vector<std::string> content_layers{"relu3_1"};
  std::vector<std::string> style_layers{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};
  OptimizerOptions optimizer;
  int iterations = 500;                      ///< L-BFGS keeps min(history, iterations) pairs
  uint64_t weights_file_bytes = 0;           ///< size of a weight file read at start; 0 = embedded net
  int tile_size = 0;                         ///< tiled evaluation (StyleOptions::tile_size); 0 = whole image
  ComputePrecision precision = ComputePrecision::kFloat32;  ///< the network's arithmetic (StyleOptions::precision)
  StyleLoss style_loss = StyleLoss::kGram;  ///< the style terms (what their targets keep)
  int sliced_directions = 0;                ///< StyleOptions::sliced_directions (0: the channel count)
};

/// Predicted peak, with its parts (bytes). Parts overlap in time as the model says, so the peak
/// is not their plain sum; see memory_plan.cpp.
struct MemoryPlan {
  uint64_t peak_bytes = 0;
  std::map<std::string, uint64_t> parts;  ///< "runtime", "weights", "activations", "backward", "optimizer", "targets" (what the objective's terms keep), "images"
};

/// The plan input for a style run with these options on a network of this shape; the caller
/// sets the image sizes (and weights_file_bytes for a file).
MemoryPlanInput memory_plan_input(const StyleOptions& options, VggArch arch, Padding padding);

/// Predicts the peak resident memory of `nst style` on the CPU with these settings.
/// Throws nst::Error(kUsage) for unknown layers or sizes below 1 px.
MemoryPlan plan_style_memory(const MemoryPlanInput& input);

/// The largest longest side (px, at most `max_side`) whose run fits in `budget_bytes`, keeping the
/// aspect ratio of input.height x input.width and scaling the styles with it; 0 if none >= 16 fits.
int largest_fitting_side(const MemoryPlanInput& input, uint64_t budget_bytes, int max_side = 65536);

/// Memory a new run may use on this machine: MemAvailable from /proc/meminfo plus what this
/// process already holds (it is part of the prediction), or 0 when unknown.
uint64_t available_memory_bytes();

/// Peak resident set size of this process so far (getrusage), bytes.
uint64_t peak_rss_bytes();

}  // namespace nst
