#include "nst/stylize.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "nst/error.h"
#include "nst/image.h"
#include "pipelines/optimize_loop.h"
#include "pipelines/style_objective.h"

namespace nst {

void check_style_image_sizes(const VggWeights& weights, const StyleOptions& options, const at::Tensor& content,
                             const std::vector<at::Tensor>& styles) {
  int64_t min_side = 1;
  for (const auto* names : {&options.content_layers, &options.style_layers}) {
    for (const auto& name : *names) min_side = std::max<int64_t>(min_side, min_image_side(name, weights.padding));
  }
  auto check = [&](const at::Tensor& image, const std::string& what) {
    NST_CHECK(std::min(image.size(2), image.size(3)) >= min_side, kUsage,
              what + " is " + std::to_string(image.size(3)) + "x" + std::to_string(image.size(2)) +
                  " px, too small for the requested layers: the shorter side needs at least " +
                  std::to_string(min_side) + " px");
  };
  check(content, "the content image");
  for (const auto& s : styles) check(s, "a style image");
}

void check_style_options(const StyleOptions& o, size_t style_count) {
  auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
  NST_CHECK(finite_nonneg(o.content_weight), kUsage, "--content-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.style_weight), kUsage, "--style-weight must be a finite number >= 0");
  NST_CHECK(finite_nonneg(o.tv_weight), kUsage, "--tv-weight must be a finite number >= 0");
  for (double w : o.style_layer_weights) NST_CHECK(finite_nonneg(w), kUsage, "style layer weights must be >= 0");
  NST_CHECK(o.iterations >= 0 && o.iterations <= 10'000'000, kUsage, "--iterations must be between 0 and 1e7");
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
    case InitKind::kNoise: {
      // Uniform noise around mid-grey, seeded, on CPU so the same seed gives the same image everywhere.
      auto generator = at::detail::createCPUGenerator(o.seed);
      return at::rand({1, 3, h, w}, generator, at::kFloat) * 0.2 + 0.4;
    }
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

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::kIterations: return "iterations done";
    case StopReason::kConverged: return "converged";
    case StopReason::kOptimizerFailed: return "optimizer could not make progress";
    case StopReason::kAborted: return "stopped by request";
  }
  return "?";
}

StyleResult run_style(const VggWeights& weights, const at::Tensor& content, const std::vector<at::Tensor>& styles,
                      const StyleOptions& options, const ProgressCallback& progress) {
  check_style_options(options, styles.size());
  const at::Device device(options.device);
  std::vector<std::string> layers = options.content_layers;
  layers.insert(layers.end(), options.style_layers.begin(), options.style_layers.end());
  check_layer_names(weights.arch, layers);
  check_style_image_sizes(weights, options, content, styles);
  FeatureNet net(weights, options.pooling, layers);
  net.to(device);

  const at::Tensor content_dev = content.to(device, at::kFloat);
  std::vector<at::Tensor> styles_dev;
  for (const auto& s : styles) styles_dev.push_back(s.to(device, at::kFloat));
  detail::StyleObjective objective(net, content_dev, styles_dev, options);

  OptimizerOptions optimizer_options = options.optimizer;
  if (options.bound_pixels) {
    optimizer_options.lower = 0.0;
    optimizer_options.upper = 1.0;
  }
  auto optimizer = make_optimizer(optimizer_options);

  at::Tensor x = initial_image(content, styles, options).to(device).contiguous();
  detail::LoopResult loop = detail::optimize(
      *optimizer, x, [&](const at::Tensor& v, at::Tensor& g) { return objective(v, g); },
      [&] { return objective.parts(); }, options.iterations, progress);

  StyleResult result;
  result.image = loop.best.to(at::kCPU).clamp_(0.0, 1.0);
  result.last = loop.last;
  result.stop = loop.stop;
  result.message = loop.message;
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
