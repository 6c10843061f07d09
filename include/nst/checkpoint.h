#pragma once
// Checkpoints of a style run (nst style --checkpoint / --resume): where the run stands (scale,
// stage, iteration), the image being optimized, the optimizer's state and a fingerprint of
// everything that determines the result, in one safetensors file (tensors in their own dtypes,
// the rest in __metadata__), written atomically. A run resumed from one continues exactly.
#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/stylize.h"

namespace nst {

/// Named values that determine a run's result, in a fixed order: ("--style-weight", "1e+07"), ...
using Fingerprint = std::vector<std::pair<std::string, std::string>>;

/// The fingerprint of run_style(weights, content, styles, options): every StyleOptions field
/// except `iterations` (a resumed run may extend the run), named as nst style's flags; the
/// network (source, architecture, convention, padding, a sum of its weights) and the content,
/// style, init and temporal pixels (SHA-256 of their float32 values; sizes separately, so a
/// --size change is named). coarse_iterations is resolved (-1 reads as `iterations`), since the
/// coarse scales' length is part of what a checkpoint taken there continues.
Fingerprint style_fingerprint(const VggWeights& weights, const at::Tensor& content,
                              const std::vector<at::Tensor>& styles, const StyleOptions& options);

/// Throws nst::Error(kUsage) with one line naming the first entry that differs ("--style-weight
/// is 100000 here, 1e+07 in the checkpoint"), or one missing on either side.
void check_fingerprint(const Fingerprint& checkpoint, const Fingerprint& current, const std::string& what);

/// Where a stopped style run stands: what run_style needs to continue it.
struct StyleCheckpoint {
  int scale = 0;        ///< coarse-to-fine scale being optimized (0 = coarsest)
  int stage = 0;        ///< 0, or 1 = the boxed polish stage of --bounds polish
  int iteration = 0;    ///< iterations done in the whole run (the number the progress reports)
  int evaluations = 0;  ///< objective evaluations so far (for the report)
  double seconds = 0;   ///< time spent so far (for the report)
  /// The optimization loop's convergence test: iterations in a row with a flat loss, and the
  /// previous loss (the loop stops after 10 flat ones, so they are part of an exact resume).
  int flat_iterations = 0;
  double previous_loss = 0;
  at::Tensor image;          ///< the iterate at this scale, as optimized (1x3xhxw, CPU float32; not clamped)
  OptimizerState optimizer;  ///< the optimizer's state after `iteration`
  Fingerprint fingerprint;   ///< style_fingerprint() of the run
};

/// Writes a checkpoint atomically (nst::Error(kIo) when it cannot). Its size is about
/// (1 + 2 x L-BFGS pairs kept) x the image's float32 bytes, plus a copy of image and gradient.
void write_checkpoint(const std::string& path, const StyleCheckpoint& checkpoint);

/// Checkpointing of a style run: where it resumes, and where its checkpoints go.
struct StyleCheckpointing {
  /// Continue this run: its fingerprint must be this run's and its iteration must lie in the same
  /// scale and stage of this run's plan (`iterations` counts the whole run, so a checkpoint
  /// taken after 10 iterations and resumed with iterations = 20 runs 10 more); nst::Error(kUsage)
  /// with one line otherwise. The result is then the uninterrupted run's (bit-identical on the
  /// CPU with the same thread count).
  const StyleCheckpoint* resume = nullptr;
  std::string resume_name = "the checkpoint";  ///< what messages call it (the file name)
  /// Receives checkpoints: every `every` iterations (by the reported number; 0: none on the way),
  /// and once when the run ends (done, converged, failed or aborted). Valid during the call only.
  std::function<void(const StyleCheckpoint&)> write;
  int every = 0;
};

/// The checks run_style makes of StyleCheckpointing::resume, for front ends to refuse a checkpoint
/// before they start: nst::Error(kUsage) with one line naming the first difference.
void check_style_resume(const StyleCheckpoint& checkpoint, const VggWeights& weights, const at::Tensor& content,
                        const std::vector<at::Tensor>& styles, const StyleOptions& options, const std::string& name);

/// run_style (nst/stylize.h) that resumes from and/or hands out checkpoints.
StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options, const ProgressCallback& progress,
                      StyleFeatureCache* style_features, const StyleCheckpointing& checkpointing);

/// Reads a checkpoint. A file that is not one, truncated, or whose data does not match its
/// checksum is refused with one line: nst::Error(kFormat) ("kIo" when it cannot be read).
StyleCheckpoint read_checkpoint(const std::string& path);

}  // namespace nst
