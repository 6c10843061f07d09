// The options of a style run, apart from running it: defaults per network and style loss, the
// parsers and names of its choices, the checks, and the original-colours finish.
#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/stylize.h"

namespace nst {
namespace {

// Style weights of the non-Gram losses (README, "Style losses"). Embedded: measured by
// bench/bench_style_loss: the weight that gives the style term at the content init the value
// Gram's has at 1e7 (geometric mean over chelsea+starry_night and astronaut+shipwreck at 128 px:
// 3221 and 3584; matching the gradient norm instead gives 3652 and 3814). Trained weights: not
// measured (no trained VGG on the machine that tuned them): crowsonkb's tuned W2 balance,
// style 1 : content 0.015, at our trained content weight 5, rounded; the same for sliced.
constexpr double kEmbeddedMeanCovWeight = 3200;
constexpr double kEmbeddedSlicedWeight = 3600;
constexpr double kTrainedMeanCovWeight = 300;
constexpr double kTrainedSlicedWeight = 300;

}  // namespace

void check_style_image_sizes(const VggWeights& weights, const StyleOptions& options, const at::Tensor& content,
                             const std::vector<at::Tensor>& styles) {
  int64_t min_side = 1;
  for (const auto* names : {&options.content_layers, &options.style_layers}) {
    for (const auto& name : *names) min_side = std::max<int64_t>(min_side, min_image_side(name, weights.padding));
  }
  const double coarsest = std::pow(options.scale_factor, -(options.scales - 1));
  const std::string where = options.scales > 1 ? " at the coarsest of " + std::to_string(options.scales) + " scales" : "";
  auto check = [&](const at::Tensor& image, const std::string& what) {
    const auto h = static_cast<int64_t>(std::lround(image.size(2) * coarsest));
    const auto w = static_cast<int64_t>(std::lround(image.size(3) * coarsest));
    NST_CHECK(std::min(h, w) >= min_side, kUsage,
              what + " is " + std::to_string(w) + "x" + std::to_string(h) + " px" + where +
                  ", too small for the requested layers: the shorter side needs at least " +
                  std::to_string(min_side) + " px");
  };
  check(content, "the content image");
  for (const auto& s : styles) check(s, "a style image");
  for (size_t i = 0; i < options.style_masks.size(); ++i) {
    const at::Tensor& m = options.style_masks[i];
    NST_CHECK(m.size(2) == content.size(2) && m.size(3) == content.size(3), kUsage,
              "style mask " + std::to_string(i + 1) + " is " + std::to_string(m.size(3)) + "x" +
                  std::to_string(m.size(2)) + " px, the content " + std::to_string(content.size(3)) + "x" +
                  std::to_string(content.size(2)) + ": a mask must have the content's size");
  }
}

namespace {

void check_style_masks(const StyleOptions& o, size_t style_count) {
  if (o.style_masks.empty()) return;
  NST_CHECK(o.style_masks.size() == style_count, kUsage,
            std::to_string(o.style_masks.size()) + " style masks for " + std::to_string(style_count) +
                " style images: give one --style-mask per --style, in order");
  NST_CHECK(o.style_loss != StyleLoss::kSlicedWasserstein, kUsage,
            "--style-mask works with --style-loss gram or mean-cov, not sliced-wasserstein");
  for (size_t i = 0; i < o.style_masks.size(); ++i) {
    const at::Tensor& m = o.style_masks[i];
    const std::string which = "style mask " + std::to_string(i + 1);
    NST_CHECK(m.defined() && m.dim() == 4 && m.size(0) == 1 && m.size(1) == 1 && m.numel() > 0, kUsage,
              which + " must be a 1x1xHxW tensor");
    NST_CHECK(m.size(2) == o.style_masks[0].size(2) && m.size(3) == o.style_masks[0].size(3), kUsage,
              which + " has another size than style mask 1");
    const at::Tensor finite = m.detach().to(at::kCPU, at::kDouble);
    NST_CHECK(finite.isfinite().all().item<bool>() && finite.min().item<double>() >= 0 &&
                  finite.max().item<double>() <= 1,
              kUsage, which + " must hold values in [0, 1]");
    NST_CHECK(finite.max().item<double>() > 0, kUsage, which + " is empty (all black): its style has no region");
  }
}

}  // namespace

void check_style_options(const StyleOptions& o, size_t style_count) {
  check_run_options(o);
  auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
  NST_CHECK(finite_nonneg(o.content_weight), kUsage, "--content-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.style_weight), kUsage, "--style-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.tv_weight), kUsage, "--tv-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.range_weight), kUsage, "--range-weight must be a finite number >= 0");
  NST_CHECK(o.polish_fraction >= 0 && o.polish_fraction <= 1, kUsage, "--polish-fraction must be in [0, 1]");
  for (double w : o.style_layer_weights) NST_CHECK(finite_nonneg(w), kUsage, "style layer weights must be >= 0");
  NST_CHECK(o.tile_size >= 0 && o.tile_size <= 1 << 20, kUsage, "--tile-size must be >= 0 px");
  NST_CHECK(o.style_loss != StyleLoss::kSlicedWasserstein || o.tile_size == 0, kUsage,
            "--style-loss sliced-wasserstein sorts whole-image projections and cannot be tiled: drop --tile-size");
  NST_CHECK(o.sliced_directions >= 0 && o.sliced_redraw_every >= 0, kUsage,
            "sliced-Wasserstein directions and redraw interval must be >= 0");
  for (const TemporalTarget& t : o.temporal) {
    NST_CHECK(t.image.defined() && t.mask.defined() && std::isfinite(t.weight) && t.weight >= 0, kUsage,
              "a temporal target needs an image, a mask and a weight >= 0");
  }
  NST_CHECK(style_count > 0 || o.style_weight == 0, kUsage, "style transfer needs at least one style image");
  NST_CHECK(o.init != InitKind::kImage || o.init_image.defined(), kUsage, "init image missing");
  NST_CHECK(o.style_blend.empty() || o.style_blend.size() == style_count, kUsage,
            "--style-blend has " + std::to_string(o.style_blend.size()) + " weights for " +
                std::to_string(style_count) + " style images");
  NST_CHECK(o.style_layer_weights.empty() || o.style_layer_weights.size() == o.style_layers.size(), kUsage,
            "--style-layer-weights has " + std::to_string(o.style_layer_weights.size()) + " values for " +
                std::to_string(o.style_layers.size()) + " style layers");
  check_style_masks(o, style_count);
}

StyleOptions trained_vgg_style_defaults() {
  StyleOptions o;
  o.content_weight = 5.0;
  o.style_weight = 100.0;
  o.tv_weight = 1e-3;
  o.content_layers = {"relu4_2"};
  o.init = InitKind::kNoise;
  o.pooling = Pooling::kMax;
  return o;
}

bool parse_init_keyword(const std::string& text, InitKind* init) {
  if (text == "noise" || text == "random") *init = InitKind::kNoise;
  else if (text == "content" || text == "image") *init = InitKind::kContent;
  else if (text == "style") *init = InitKind::kStyle;
  else return false;
  return true;
}

std::string to_string(InitKind init) {
  switch (init) {
    case InitKind::kNoise: return "noise";
    case InitKind::kContent: return "content";
    case InitKind::kStyle: return "style";
    case InitKind::kImage: return "image";
  }
  return "?";
}

InitKind parse_init(const std::string& text, StyleOptions& options) {
  InitKind init;
  if (parse_init_keyword(text, &init)) return init;
  options.init_image = read_image(text);  // a file
  return InitKind::kImage;
}

StyleLoss parse_style_loss(const std::string& name) {
  if (name == "gram") return StyleLoss::kGram;
  if (name == "mean-cov" || name == "w2") return StyleLoss::kMeanCov;
  if (name == "sliced-wasserstein" || name == "sw") return StyleLoss::kSlicedWasserstein;
  fail(ErrorKind::kUsage, "--style-loss must be gram, mean-cov or sliced-wasserstein, got '" + name + "'");
}

std::string to_string(StyleLoss loss) {
  switch (loss) {
    case StyleLoss::kGram: return "gram";
    case StyleLoss::kMeanCov: return "mean-cov";
    case StyleLoss::kSlicedWasserstein: return "sliced-wasserstein";
  }
  return "?";
}

double default_style_weight(StyleLoss loss, bool trained_weights) {
  const double gram = trained_weights ? trained_vgg_style_defaults().style_weight : StyleOptions{}.style_weight;
  switch (loss) {
    case StyleLoss::kGram: return gram;
    case StyleLoss::kMeanCov: return trained_weights ? kTrainedMeanCovWeight : kEmbeddedMeanCovWeight;
    case StyleLoss::kSlicedWasserstein: return trained_weights ? kTrainedSlicedWeight : kEmbeddedSlicedWeight;
  }
  return gram;
}

at::Tensor transfer_original_colors(const at::Tensor& content, const at::Tensor& stylized) {
  // YUV (BT.601): luminance from the stylized image, chroma from the content.
  auto to_yuv = [](const at::Tensor& rgb) {
    at::Tensor r = rgb.select(1, 0), g = rgb.select(1, 1), b = rgb.select(1, 2);
    at::Tensor y = 0.299 * r + 0.587 * g + 0.114 * b;
    return at::stack({y, -0.14713 * r - 0.28886 * g + 0.436 * b, 0.615 * r - 0.51499 * g - 0.10001 * b}, 1);
  };
  at::Tensor c = resize_image(content.to(stylized.device(), at::kFloat), static_cast<int>(stylized.size(2)),
                              static_cast<int>(stylized.size(3)));
  at::Tensor yuv = at::cat({to_yuv(stylized).narrow(1, 0, 1), to_yuv(c).narrow(1, 1, 2)}, 1);
  at::Tensor y = yuv.select(1, 0), u = yuv.select(1, 1), v = yuv.select(1, 2);
  return at::stack({y + 1.13983 * v, y - 0.39465 * u - 0.58060 * v, y + 2.03211 * u}, 1).clamp(0.0, 1.0);
}

}  // namespace nst
