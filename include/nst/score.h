#pragma once
// A judge the optimizer did not see: scores how well an image matches a style (Gram matrices)
// and a content image (features) under a *different* network than the one a style transfer
// optimized, so that a result that only fools its own network shows up.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nst/network.h"
#include "nst/weights.h"

namespace nst {

/// Every setting of a judge; defaults live here once (the CLI prints them).
struct ScoreOptions {
  /// Seed of the embedded judge network. Not EmbeddedNetOptions{}.seed (the network nst style
  /// optimizes by default), so the judge's filters differ from the optimized network's.
  uint64_t judge_seed = 7;
  VggArch arch = VggArch::kVgg19;  ///< shape of the embedded judge
  /// Max pooling, where nst style's embedded default is average pooling: the judge differs in
  /// its pooling too (and max pooling is what trained VGG judges use).
  Pooling pooling = Pooling::kMax;
  std::vector<std::string> style_layers{"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"};
  /// Two depths, neither the optimizer's default content layer (relu3_1): relu2_2 holds edges
  /// and fine structure (a stylization that keeps the outlines scores well there), relu4_2 holds
  /// the arrangement of objects (Gatys et al.'s content layer). One shallow and one deep layer
  /// keep the score from rewarding an image that matches a single layer's features only.
  std::vector<std::string> content_layers{"relu2_2", "relu4_2"};
  std::vector<double> style_layer_weights;    ///< per style layer; empty = all equal (1/N)
  std::vector<double> content_layer_weights;  ///< per content layer; empty = all equal (1/N)
  std::vector<double> style_blend;            ///< per style image; empty = equal; normalized to sum 1
  /// Seed of the judge's sliced-Wasserstein directions (C per style layer, drawn once): a second
  /// style measure that compares whole feature distributions, not only second moments as Gram
  /// matrices do, so a style loss that is not Gram (mean-cov, sliced) is not judged by its
  /// competitor's statistic alone. Not StyleOptions' seed: the optimizer never saw these directions.
  uint64_t sliced_seed = 11;
  /// Drop a uniform frame (scan border) of each style image first, as nst style does by default
  /// (trim_uniform_border): the frame is not the style.
  bool trim_style_borders = true;
};

/// The judge's weights for these options: the embedded VGG with options.judge_seed, read from
/// and written to `network_cache_dir` when given (EmbeddedNetOptions::cache_dir).
VggWeights default_judge_weights(const ScoreOptions& options = {}, const std::string& network_cache_dir = "");

/// Scores of one image; 0 is perfect for both.
struct ScoreResult {
  /// D_s(image) / D_s(content): 0 = the style's Gram matrices exactly, 1 = no closer to the
  /// style than the content photo itself (above 1 = further).
  double style = 0;
  /// D_c(image) / D_c(style resized to the content's size): 0 = the content's features exactly,
  /// 1 = as far from the content as the style image (blend-weighted over several styles).
  double content = 0;
  /// D_s(x) = Σ_l w_l ‖G_l(x) − G_l(S)‖²_F / ‖G_l(S)‖²_F (G_l(S): blended style Gram).
  double style_distance = 0;
  /// D_c(x) = Σ_l w_l ‖F_l(x) − F_l(C)‖² / ‖F_l(C)‖².
  double content_distance = 0;
  double style_baseline = 0;    ///< D_s(content), the denominator of style
  /// D_sw(image) / D_sw(content): the same scale as style (0 = the style's feature distributions
  /// along the judge's random directions, 1 = no closer than the content photo), measured by the
  /// sliced Wasserstein distance instead of Gram matrices.
  double style_sliced = 0;
  /// D_sw(x) = Σ_l w_l Σ (sort(Pᵀ F_l(x)) − Q_l)² / Σ Q_l², Q_l the style's quantiles along the
  /// same directions P (the blend-weighted mixture's for several styles).
  double style_sliced_distance = 0;
  double style_sliced_baseline = 0;  ///< D_sw(content), the denominator of style_sliced
  double content_baseline = 0;  ///< D_c(style resized), the denominator of content
  std::map<std::string, double> style_layers;    ///< per layer ‖ΔG‖²/‖G(S)‖², unweighted
  std::map<std::string, double> content_layers;  ///< per layer ‖ΔF‖²/‖F(C)‖², unweighted
};

/// A judge: the network and the targets (content features, blended style Grams, baselines) are
/// built once, then any number of images are scored against them. CPU, float32, no gradients.
class Judge {
 public:
  /// content and styles are 1x3xHxW RGB [0,1] tensors (styles at any size; their Grams are
  /// size-normalized). Throws nst::Error(kUsage) for no styles, a mismatched or negative blend,
  /// mismatched layer weights, unknown layers, an image too small for the layers, or a content
  /// and style the judge cannot tell apart (both baselines would be 0).
  Judge(VggWeights weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
        const ScoreOptions& options = {});
  ~Judge();
  Judge(Judge&&) noexcept;
  Judge& operator=(Judge&&) noexcept;

  /// Scores a 1x3xHxW RGB [0,1] image; it is resized (bicubic) to the content's size first when
  /// its size differs.
  ScoreResult score(const at::Tensor& image) const;

  int height() const;  ///< the content's size, at which images are scored
  int width() const;
  const VggWeights& weights() const;  ///< the judge network's weights (source names it)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One-off scoring with the default judge (default_judge_weights(options)); see Judge.
ScoreResult score_image(const at::Tensor& image, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                        const ScoreOptions& options = {});
/// The same with a judge network of the caller's choosing.
ScoreResult score_image(const VggWeights& weights, const at::Tensor& image, const at::Tensor& content,
                        const std::vector<at::Tensor>& styles, const ScoreOptions& options = {});

}  // namespace nst
