#pragma once
// Gatys-style neural style transfer: optimize an image so that its VGG features match the
// content image (feature MSE) and the style images (Gram matrices), plus total variation.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nst/network.h"
#include "nst/optim.h"
#include "nst/progress.h"
#include "nst/run.h"

namespace nst {

/// How the optimized image starts.
enum class InitKind { kNoise, kContent, kStyle, kImage };

/// The statistic the style loss compares, per style layer (each in src/losses/):
enum class StyleLoss {
  kGram,               ///< "gram": mean over CxC of (G(F) − G_target)², G = F Fᵀ/(C·H·W) (Gatys)
  kMeanCov,            ///< "mean-cov": W2² between Gaussians fitted to the features, / C (crowsonkb)
  kSlicedWasserstein,  ///< "sliced-wasserstein": sorted random 1-D projections (Heitz et al. 2021)
};
/// "gram" | "mean-cov" | "sliced-wasserstein"; throws nst::Error(kUsage) otherwise.
StyleLoss parse_style_loss(const std::string& name);
std::string to_string(StyleLoss loss);

/// Default style weight for a loss (StyleOptions::style_weight is the Gram one, 1e7 embedded,
/// 100 for trained VGG weights). The other losses have other units, so their weights were set to
/// give the style term at the content init (the default start) the same value as Gram's
/// default does, on the measured pairs (README, "Style losses").
double default_style_weight(StyleLoss loss, bool trained_weights);

/// Video: an earlier frame's result warped to this frame, which the image is pulled toward where
/// the mask trusts it (weight · temporal_loss; Ruder et al. 2016; nst/video.h makes them).
struct TemporalTarget {
  at::Tensor image;   ///< 1x3xHxW RGB [0,1] at the content's size (resized for coarser scales)
  at::Tensor mask;    ///< 1x1xHxW in [0,1]: 1 where the warp is reliable
  double weight = 0;  ///< weight of this term (mean over pixels and channels)
};

/// Every setting of a style-transfer run; defaults live here (and in RunOptions) once (the CLI
/// prints them).
struct StyleOptions : RunOptions {
  double content_weight = 1.0;   ///< weight of the content loss (mean squared feature difference)
  double style_weight = 1e7;     ///< weight of the style loss (summed over layers); tuned for kGram:
                                 ///< with another style_loss use default_style_weight(style_loss, ...)
  double tv_weight = 10.0;       ///< weight of the total-variation loss (mean squared pixel difference)
  std::vector<std::string> content_layers{"relu3_1"};
  std::vector<std::string> style_layers{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};
  std::vector<double> style_layer_weights;  ///< per style layer; empty = all 1/N
  std::vector<double> style_blend;          ///< per style image; empty = equal, normalized to sum 1
  /// Drop a uniform frame (scan border) from each style image before its statistics are taken
  /// (trim_uniform_border): a framed style otherwise paints a dark frame into the output.
  bool trim_style_borders = true;
  StyleLoss style_loss = StyleLoss::kGram;
  /// kSlicedWasserstein: random directions per layer (0 = the layer's channel count). They are
  /// drawn once from `seed` and kept for the whole run: redrawn at every evaluation, f would not
  /// be a function, and L-BFGS's line search needs one.
  int sliced_directions = 0;
  /// kSlicedWasserstein: redraw the directions every this many iterations (with a fresh optimizer
  /// history, as Heitz et al. restart L-BFGS); 0 = fixed for the whole run.
  int sliced_redraw_every = 0;
  InitKind init = InitKind::kContent;
  at::Tensor init_image;          ///< used when init == kImage (1x3xHxW RGB [0,1]; resized to the content)
  // seed (RunOptions): noise init and the sliced-Wasserstein directions. Coarse-to-fine (RunOptions
  // scales): content and style targets are recomputed at each scale's size.
  /// Tiled evaluation for images whose activations do not fit: the network runs on overlapping
  /// tiles of this core side (px, rounded up to the deepest layer's stride; 0 = whole image).
  /// Every term's statistics (Gram sums, moments, masked regions' sums, content errors) are
  /// summed over all tiles before the loss, so the result does not change. Sliced Wasserstein
  /// needs whole sorted projections, a wrapping TV the whole image: not tileable.
  int tile_size = 0;
  double range_weight = 1e3;      ///< kPenalty: weight of the range penalty (mean over elements)
  double polish_fraction = 0.2;   ///< kPolish: share of the final scale's iterations run boxed
  std::vector<TemporalTarget> temporal;  ///< video frames (nst/video.h): weight · temporal_loss each
  /// Spatial control (Gatys et al. 2017): one mask per style image, 1x1xHxW in [0,1] at the
  /// content's size (white = that style's region; nst style --style-mask); empty = no masks.
  /// Each style's statistics are then taken over its own region of the image (resampled to every
  /// layer's grid) and matched to that style's own, not the blend's; regions may overlap, and
  /// pixels outside every mask get no style term. --style-blend scales each style's term (equal
  /// = 1 each). Gram and mean-cov only (see check_style_options); tileable.
  std::vector<at::Tensor> style_masks;
  /// The TV term also compares the last row and column with the first (the image as a torus:
  /// nst texture --tileable). Whole-image evaluation only (tile_size 0).
  bool tv_wrap = false;
};

/// Defaults for trained VGG weights, as in jcjohnson/neural-style (content 5, style 100,
/// TV 1e-3, content relu4_2, noise init, max pooling). The StyleOptions member defaults are
/// those chosen for the embedded network, whose activations are scaled differently.
StyleOptions trained_vgg_style_defaults();

/// --init: "noise" (or "random") | "content" (or "image") | "style" | FILE, which is read into
/// options.init_image (kImage). Throws nst::Error for an unreadable file.
InitKind parse_init(const std::string& text, StyleOptions& options);
/// The keywords of --init alone: "noise" (or "random") | "content" (or "image") | "style"; false
/// for anything else (a file, for the caller to read).
bool parse_init_keyword(const std::string& text, InitKind* init);
/// "noise" | "content" | "style" | "image" (a start image).
std::string to_string(InitKind init);

/// What a style run produced (image: clamped to [0,1] unless boxed, which keeps it there).
struct StyleResult : RunResult {};

/// Checks weights, iteration count and per-style/per-layer lists; throws nst::Error(kUsage).
void check_style_options(const StyleOptions& options, size_t style_count);

/// Checks that content and style images are large enough for the deepest requested layer at the
/// coarsest scale (layer names must already be valid), and that style masks have the content's
/// size; throws nst::Error(kUsage) naming the minimum side or the mismatched mask.
void check_style_image_sizes(const VggWeights& weights, const StyleOptions& options, const at::Tensor& content,
                             const std::vector<at::Tensor>& styles);

/// Style images' features kept across run_style calls (nst batch: one style, many contents).
/// They depend only on the style's pixels and the network set-up, so a run given a cache looks
/// each style up (pixels compared exactly) before running the network on it. Bounded by
/// `max_bytes`; the oldest entries go first. Whole-image runs only (tiled runs do not use it).
class StyleFeatureCache {
 public:
  explicit StyleFeatureCache(uint64_t max_bytes = uint64_t{1} << 30) : max_bytes_(max_bytes) {}
  /// The features of `image` under `setup` (a key naming network, layers, pooling, precision,
  /// device); `compute` runs on a miss and its result is kept.
  std::map<std::string, at::Tensor> features(const at::Tensor& image, const std::string& setup,
                                             const std::function<std::map<std::string, at::Tensor>()>& compute);
  int hits() const { return hits_; }
  int misses() const { return misses_; }

 private:
  struct Entry {
    at::Tensor image;
    std::string setup;
    std::map<std::string, at::Tensor> features;
    uint64_t bytes = 0;
  };
  std::vector<Entry> entries_;  // oldest first
  uint64_t max_bytes_, bytes_ = 0;
  int hits_ = 0, misses_ = 0;
};

/// Runs style transfer. content and styles are 1x3xHxW RGB [0,1] tensors (styles at any size).
/// Throws nst::Error on bad options (unknown layers, mismatched blend or layer weights).
/// `style_features`: reuse style features from earlier runs (nullptr: compute them).
StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options, const ProgressCallback& progress = nullptr,
                      StyleFeatureCache* style_features = nullptr);

/// Keeps the luminance of `stylized` and the colour (YUV chroma) of `content` (jcjohnson's -original_colors).
at::Tensor transfer_original_colors(const at::Tensor& content, const at::Tensor& stylized);

}  // namespace nst
