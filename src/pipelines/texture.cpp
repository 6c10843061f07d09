// nst texture: run_style on a blank canvas of the requested size, with no content terms. The
// canvas only tells run_style the size; the loop, coarse-to-fine scales and reports are its.
#include "nst/texture.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include "nst/error.h"
#include "nst/image.h"

namespace nst {

StyleOptions texture_style(bool trained_weights) {
  StyleOptions o;  // (assigned, not a ?: of two temporaries: gcc 12 then warns falsely about its strings)
  if (trained_weights) o = trained_vgg_style_defaults();
  o.content_weight = 0;
  o.content_layers.clear();
  o.init = InitKind::kNoise;
  return o;
}

namespace {

std::string size_text(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

/// The network and style run a texture makes of its options: no content terms; tileable: circular
/// padding and a wrapped TV term.
struct Setup {
  VggWeights net;
  StyleOptions style;
};

Setup setup_of(const VggWeights& weights, const TextureOptions& options) {
  Setup s{weights, options.style};  // the copy shares the weight tensors
  s.style.content_weight = 0;       // there is no content: the canvas must not pull the image toward grey
  s.style.content_layers.clear();
  if (options.tileable) {
    // A torus: the convolutions see the opposite edge past each edge, and so does the TV term.
    if (s.net.padding != Padding::kCircular) s.net.source += ", circular padding";
    s.net.padding = Padding::kCircular;
    s.style.tv_wrap = true;
  }
  return s;
}

/// The output size against the deepest style layer at the coarsest scale, named as the texture's
/// (run_style's own check would name the canvas "the content image"). Layer names must be valid.
void check_texture_size(const VggWeights& weights, const TextureOptions& o) {
  NST_CHECK(o.width >= 1 && o.height >= 1 && o.width <= kMaxImageSide && o.height <= kMaxImageSide, kUsage,
            "the texture size must be 1.." + std::to_string(kMaxImageSide) + " px per side, got " +
                size_text(o.width, o.height));
  int min_side = 1;
  for (const auto& name : o.style.style_layers) min_side = std::max(min_side, min_image_side(name, weights.padding));
  const auto [h, w] = scale_size(o.height, o.width, 0, o.style);
  const std::string where = o.style.scales > 1 ? " (" + size_text(w, h) + " at the coarsest of " +
                                                     std::to_string(o.style.scales) + " scales)"
                                               : "";
  NST_CHECK(std::min(h, w) >= min_side, kUsage,
            "a " + size_text(o.width, o.height) + " px texture" + where +
                " is too small for the style layers: the shorter side needs at least " + std::to_string(min_side) +
                " px");
}

void check_setup(const Setup& s, const TextureOptions& options, size_t style_count) {
  NST_CHECK(style_count > 0, kUsage, "a texture needs at least one style image");
  NST_CHECK(s.style.init != InitKind::kContent, kUsage,
            "a texture has no content image to start from: init noise, style or an image");
  NST_CHECK(!options.tileable || s.style.tile_size == 0, kUsage,
            "a tileable texture needs the whole image: drop --tile-size");
  check_style_options(s.style, style_count);
  check_layer_names(s.net.arch, s.style.style_layers);
  check_texture_size(s.net, options);
}

}  // namespace

void check_texture_options(const VggWeights& weights, const TextureOptions& options, size_t style_count) {
  check_setup(setup_of(weights, options), options, style_count);
}

StyleResult run_texture(const VggWeights& weights, const std::vector<at::Tensor>& styles,
                        const TextureOptions& options, const ProgressCallback& progress) {
  const Setup s = setup_of(weights, options);
  check_setup(s, options, styles.size());
  const at::Tensor canvas = at::full({1, 3, options.height, options.width}, 0.5, at::kFloat);
  return run_style(s.net, canvas, styles, s.style, progress);
}

}  // namespace nst
