#pragma once
// Feature inversion (Mahendran & Vedaldi 2015): find an image whose VGG features at some layers
// match those of a given image, with TV and α-norm priors, blur-on-stall and coarse-to-fine.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/run.h"

namespace nst {

/// How the reconstruction starts. kBlur leaks the target's colours and layout into the result.
enum class InvertInit { kNoise, kBlur, kMean, kImage };
/// "noise" | "blur" | "mean" (anything else is an image file, handled by the caller).
bool parse_invert_init(const std::string& name, InvertInit* init);
/// "noise" | "blur" | "mean" | "image" (a start image).
std::string to_string(InvertInit init);

/// What to do when the optimization stalls.
enum class StallAction {
  kBlur,   ///< blur the image, clear the optimizer's history, continue
  kReset,  ///< clear the optimizer's history only
  kStop,   ///< stop the run
  kNone,   ///< ignore (an optimizer failure still stops the run)
};
/// "blur" | "reset" | "stop" | "none"; throws nst::Error(kUsage) otherwise.
StallAction parse_stall_action(const std::string& name);
std::string to_string(StallAction action);

/// What the optimizer varies: the pixels, or the scaled Fourier coefficients of a colour-
/// decorrelated image (Olah et al. 2017); the image and its loss are the same either way.
/// kAuto picks one by the layers (resolve_parametrization).
enum class Parametrization { kPixel, kFourier, kAuto };
/// "pixel" | "fourier" | "auto"; throws nst::Error(kUsage) otherwise.
Parametrization parse_parametrization(const std::string& name);
std::string to_string(Parametrization parametrization);

/// Every setting of an inversion run; defaults live here (and in RunOptions) once (the CLI prints
/// them). From RunOptions: iterations (blurred PSNR kept rising with them: embedded net, conv5_1,
/// 128 px: 20.8 / 24.2 / 26.6 dB at 100 / 200 / 300; at 224 px one iteration took 0.76 s on 1
/// thread), bounds (kBox keeps the pixels in [0,1] inside the optimizer; kClamp clamps at the end;
/// the fourier parametrization, the default for block-5 layers, cannot be boxed in pixel space and
/// is always clamped; kPenalty and
/// kPolish are style-only), seed (noise init and jitter), scales.
struct InvertOptions : RunOptions {
  std::vector<std::string> layers{"conv5_1"};  ///< layers whose features are matched
  std::vector<double> layer_weights;           ///< per layer; empty = all 1/N
  InvertInit init = InvertInit::kNoise;
  at::Tensor init_image;                       ///< used when init == kImage (1x3xHxW RGB [0,1], resized)
  /// Weight of TV^β (mean over pixels). 0.1: best blurred PSNR on the embedded net, conv5_1, 128 px,
  /// 100 L-BFGS iterations (20.8 dB; 0: 19.9, 0.3: 20.5, 1: 20.0, 10: 17.1), and visibly less noise.
  double tv_weight = 0.1;
  double tv_beta = 2.0;                        ///< β of the TV prior
  double alpha_weight = 0.0;                   ///< weight of the α-norm prior mean(|x − 0.5|^α)
  double alpha = 6.0;                          ///< α of the α-norm prior
  int jitter = 0;                              ///< random roll by up to this many px per evaluation (Adam/SGD)
  StallAction on_stall = StallAction::kBlur;
  double blur_sigma = 1.0;                     ///< Gaussian sigma (px) of blur-on-stall
  int stall_window = 5;                        ///< K: iterations over which progress is measured
  double stall_tolerance = 1e-3;               ///< T: relative decrease over K iterations below this = stall
  /// What the optimizer varies; auto: fourier for block 5, pixel above (resolve_parametrization).
  /// PSNR of the saved image against the original, embedded net, 128 px, 100 iterations, mean of
  /// astronaut/chelsea/rocket (docs/QUALITY.md section 6): conv5_1 fourier 19.9 dB, pixel 14.8 (fourier
  /// ahead on all three, by 2.0-8.1 dB; plain L-BFGS @1000, chelsea: 16.0); relu4_1 pixel 24.4,
  /// fourier 23.9 (pixel ahead on two of three), hence block 5 only.
  /// Pixel for shallow layers: relu2_1, 48 px, 60 iterations, fourier was 7x behind (feature loss
  /// 2.6e-3 vs 3.7e-4, blurred PSNR 50.2 vs 57.6 dB).
  Parametrization parametrization = Parametrization::kAuto;
  /// fourier: coefficients scaled by 1/f^decay (f in cycles/px). 0.5, not Lucid's 1: conv5_1, 128 px,
  /// seeds 0/1, L-BFGS, feature loss @100 / @300 3.1e-4 / 7.1e-5 and PSNR 29.7 dB (decay 1: 9.8e-4 /
  /// 1.7e-4, 28.7 dB).
  double fourier_decay = 0.5;
};

/// What an inversion produced.
/// RunResult's image is the size of the target; the report's parts are "feature:<layer>", "tv", "alpha".
struct InvertResult : RunResult {
  double feature_loss = 0;       ///< Σ w_l ||Φ_l(x) − Φ_l(x0)||² / ||Φ_l(x0)||² of the final image
  double psnr = 0;               ///< dB, final image vs target, both blurred with sigma 1 (blurred_psnr)
  int stalls = 0;                ///< times the stall detector fired (optimizer failures included)
  int blurs = 0;                 ///< blur-on-stall edits of the image
  int resets = 0;                ///< optimizer history resets (blurs included)
};

/// The parametrization a run uses: options.parametrization unless it is kAuto, which is kFourier
/// when the deepest layer is in block 5 (conv5_1 .. relu5_4, pool5) and kPixel for shallower ones.
Parametrization resolve_parametrization(const InvertOptions& options);

/// Checks weights, counts and ranges of the options and, when height and width are given, that
/// the coarsest scale of an image that size is large enough for the layers; throws nst::Error(kUsage).
void check_invert_options(const InvertOptions& options, int height = 0, int width = 0);

/// Reconstructs `image` (1x3xHxW RGB [0,1]; the output has its size) from its features.
/// Throws nst::Error(kUsage) on bad options (unknown layers, mismatched layer weights).
InvertResult run_invert(const VggWeights& weights, const at::Tensor& image, const InvertOptions& options,
                        const ProgressCallback& progress = nullptr);

/// PSNR in dB (peak 1) of a vs b, both 1x3xHxW, after a Gaussian blur of sigma on both
/// (a small blur, so that pixel-exact noise does not dominate the comparison).
double blurred_psnr(const at::Tensor& a, const at::Tensor& b, double sigma = 1.0);

}  // namespace nst
