#pragma once
// Texture synthesis (Gatys et al. 2015, "Texture Synthesis Using Convolutional Neural Networks"):
// a style run with no content, from noise, at any output size. Tileable textures wrap around:
// the network pads circularly and the total variation compares the last row and column with the
// first, so the image is optimized as a torus and repeats without a seam.
#include <ATen/core/Tensor.h>

#include <vector>

#include "nst/network.h"
#include "nst/progress.h"
#include "nst/stylize.h"

namespace nst {

/// The style run of a texture: the StyleOptions defaults (trained_vgg_style_defaults() for
/// trained weights) with content weight 0, no content layers and noise init.
StyleOptions texture_style(bool trained_weights = false);

/// Every setting of a texture run; defaults live here once (the CLI prints them).
struct TextureOptions {
  StyleOptions style = texture_style();  ///< the run (scales, iterations, seed, weights, ...)
  int width = 512;                       ///< output size in px, any aspect
  int height = 512;
  /// Wrap around seamlessly: circular padding in the network (whatever the weights') and a TV
  /// term across the wrap. Whole-image evaluation only (no style.tile_size).
  bool tileable = false;
};

/// Checks a texture run's options against the network and the number of style images, as
/// run_texture does first (front ends call it before any work); throws nst::Error(kUsage).
void check_texture_options(const VggWeights& weights, const TextureOptions& options, size_t style_count);

/// Synthesizes a width x height texture from the style images (1x3xHxW RGB [0,1], any size),
/// blended by style.style_blend. Built on run_style: the same loop, scales and reports. A texture
/// has no content: content terms are ignored, and style.init must be noise, style or an image.
/// Throws nst::Error(kUsage) on bad options (a size too small for the style layers, ...).
StyleResult run_texture(const VggWeights& weights, const std::vector<at::Tensor>& styles,
                        const TextureOptions& options, const ProgressCallback& progress = nullptr);

}  // namespace nst
