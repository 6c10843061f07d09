#include "nst/stylize.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "pipelines/run_harness.h"
#include "pipelines/style_objective.h"
#include "pipelines/tiled_style_objective.h"

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
}

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
}

namespace {

at::Tensor initial_image(const at::Tensor& content, const std::vector<at::Tensor>& styles, const StyleOptions& o) {
  const int h = static_cast<int>(content.size(2)), w = static_cast<int>(content.size(3));
  switch (o.init) {
    case InitKind::kNoise:
      return detail::noise_image(h, w, o.seed);
    case InitKind::kContent:
      return content.clone();
    case InitKind::kStyle:
      return resize_image(styles.at(0), h, w).clone();
    case InitKind::kImage:
      return resize_image(o.init_image.to(at::kCPU, at::kFloat), h, w).clone();
  }
  return content.clone();
}

}  // namespace

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

InitKind parse_init(const std::string& text, StyleOptions& options) {
  if (text == "noise" || text == "random") return InitKind::kNoise;
  if (text == "content" || text == "image") return InitKind::kContent;
  if (text == "style") return InitKind::kStyle;
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

StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& given_styles,
                      const StyleOptions& options, const ProgressCallback& progress, StyleFeatureCache* style_features) {
  check_style_options(options, given_styles.size());
  std::vector<at::Tensor> styles;
  for (const auto& style : given_styles) styles.push_back(options.trim_style_borders ? trim_uniform_border(style) : style);
  const at::Device device(options.device);
  std::vector<std::string> layers = options.content_layers;
  layers.insert(layers.end(), options.style_layers.begin(), options.style_layers.end());
  check_layer_names(weights.arch, layers);
  check_style_image_sizes(weights, options, content, styles);
  const FeatureNet net = detail::make_run_network(weights, options, layers);
  auto optimizer = make_optimizer(detail::run_optimizer_options(options, options.bounds == BoundsMethod::kBox));

  const int height = static_cast<int>(content.size(2)), width = static_cast<int>(content.size(3));
  detail::RunDriver run(options, height, width);
  at::Tensor x;
  for (int s = 0; s < run.scales() && !run.stopped(); ++s) {
    const bool finest = run.finest(s);
    const auto [h, w] = run.size(s);
    // Style images shrink with the content, so the brush strokes keep their size relative to it.
    const double ratio = static_cast<double>(h) / height;
    const at::Tensor content_s = finest ? content : resize_image(content, h, w);
    std::vector<at::Tensor> styles_dev;
    for (const auto& style : styles) {
      const at::Tensor st = finest ? style
                                   : resize_image(style, std::max(1, static_cast<int>(std::lround(style.size(2) * ratio))),
                                                  std::max(1, static_cast<int>(std::lround(style.size(3) * ratio))));
      styles_dev.push_back(st.to(device, at::kFloat));
    }
    // One objective per scale (targets depend on the size); tiled when asked.
    std::unique_ptr<detail::StyleObjective> whole;
    std::unique_ptr<detail::TiledStyleObjective> tiled;
    if (options.tile_size > 0) {
      tiled = std::make_unique<detail::TiledStyleObjective>(net, content_s.to(device, at::kFloat), styles_dev, options);
    } else {
      whole = std::make_unique<detail::StyleObjective>(net, content_s.to(device, at::kFloat), styles_dev, options,
                                                       style_features);
    }
    const Objective objective = [&](const at::Tensor& v, at::Tensor& g) { return tiled ? (*tiled)(v, g) : (*whole)(v, g); };
    const detail::PartsGetter parts = [&] { return tiled ? tiled->parts() : whole->parts(); };
    // The first scale starts from the init; the others from the previous result upsampled,
    // with a fresh optimizer history (the old pairs describe another image size).
    x = (s == 0 ? initial_image(content_s, styles, options) : resize_image(x.to(at::kCPU), h, w))
            .to(device)
            .contiguous();
    optimizer->reset();
    int scale_iteration = 0;
    const detail::StepHook redraw = [&](StepResult& step, at::Tensor& xs, std::string&) {
      // Sliced Wasserstein with redraws: new directions change f, so the optimizer's history
      // and its cached f and gradient are stale: restart it, at f(x) under the new directions.
      if (whole && options.style_loss == StyleLoss::kSlicedWasserstein && options.sliced_redraw_every > 0 &&
          ++scale_iteration % options.sliced_redraw_every == 0 && step.ok) {
        whole->redraw_directions(static_cast<uint64_t>(scale_iteration / options.sliced_redraw_every));
        optimizer->reset();
        at::Tensor g;
        step.loss = (*whole)(xs, g);
      }
      return true;
    };
    const int iterations = run.iterations(s);
    // kPolish: the final scale's last iterations run boxed, from the clamped iterate, with a
    // fresh (bounded) optimizer; the unbounded history describes another problem.
    const int polish = finest && options.bounds == BoundsMethod::kPolish
                           ? static_cast<int>(std::lround(iterations * options.polish_fraction))
                           : 0;
    run.optimize(s, *optimizer, x, objective, parts, iterations - polish, progress, redraw);
    if (polish > 0 && !run.stopped()) {
      x.clamp_(0.0, 1.0);
      optimizer = make_optimizer(detail::run_optimizer_options(options, true));
      run.optimize(s, *optimizer, x, objective, parts, polish, progress, redraw);
    }
  }
  StyleResult result;
  run.finish(x, result);
  return result;
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
