#include "nst/invert.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "pipelines/gaussian_blur.h"
#include "pipelines/image_parametrization.h"
#include "pipelines/invert_objective.h"
#include "pipelines/run_harness.h"
#include "pipelines/stall_detector.h"

namespace nst {
namespace {

// The deepest of the layers and the image side it needs. Deliberately the reflect-padding rule
// (2^b, conv5_1: 32 px) for every network: zero-padded weights would accept half.
std::pair<std::string, int> smallest_side(const std::vector<std::string>& layers) {
  std::pair<std::string, int> worst{"", 1};
  for (const auto& name : layers) {
    const int need = min_image_side(name, Padding::kReflect);
    if (need > worst.second) worst = {name, need};
  }
  return worst;
}
// kAuto's choice: fourier from this VGG block on (see InvertOptions::parametrization).
constexpr int kFourierFromBlock = 5;
// The VGG block of a layer (conv5_1: 5), read through min_image_side so that layer names are
// parsed in one place: without padding block b needs 2^(b-1) px.
int layer_block(const std::string& layer) { return 1 + std::ilogb(min_image_side(layer, Padding::kZeros)); }
// Consecutive optimizer failures after which blur/reset give up (the image cannot improve).
constexpr int kMaxFailuresInARow = 3;

at::Tensor initial_image(const at::Tensor& target, const InvertOptions& o) {
  const int h = static_cast<int>(target.size(2)), w = static_cast<int>(target.size(3));
  switch (o.init) {
    case InvertInit::kNoise:
      return detail::noise_image(h, w, o.seed);
    case InvertInit::kBlur:
      return detail::gaussian_blur(target.to(at::kCPU, at::kFloat), std::max(h, w) / 8.0);
    case InvertInit::kMean:
      return at::tensor({0.485f, 0.456f, 0.406f}).view({1, 3, 1, 1}).expand({1, 3, h, w}).clone();
    case InvertInit::kImage:
      return resize_image(o.init_image.to(at::kCPU, at::kFloat), h, w).clone();
  }
  return target.clone();
}

}  // namespace

bool parse_invert_init(const std::string& name, InvertInit* init) {
  if (name == "noise" || name == "random") *init = InvertInit::kNoise;
  else if (name == "blur") *init = InvertInit::kBlur;
  else if (name == "mean") *init = InvertInit::kMean;
  else return false;
  return true;
}

std::string to_string(InvertInit init) {
  switch (init) {
    case InvertInit::kNoise: return "noise";
    case InvertInit::kBlur: return "blur";
    case InvertInit::kMean: return "mean";
    case InvertInit::kImage: return "image";
  }
  return "?";
}

StallAction parse_stall_action(const std::string& name) {
  if (name == "blur") return StallAction::kBlur;
  if (name == "reset") return StallAction::kReset;
  if (name == "stop") return StallAction::kStop;
  if (name == "none") return StallAction::kNone;
  fail(ErrorKind::kUsage, "unknown stall action '" + name + "' (expected blur, reset, stop or none)");
}

Parametrization parse_parametrization(const std::string& name) {
  if (name == "pixel") return Parametrization::kPixel;
  if (name == "fourier") return Parametrization::kFourier;
  if (name == "auto") return Parametrization::kAuto;
  fail(ErrorKind::kUsage, "unknown parametrization '" + name + "' (expected auto, pixel or fourier)");
}

std::string to_string(Parametrization parametrization) {
  switch (parametrization) {
    case Parametrization::kPixel: return "pixel";
    case Parametrization::kFourier: return "fourier";
    case Parametrization::kAuto: return "auto";
  }
  return "?";
}

Parametrization resolve_parametrization(const InvertOptions& options) {
  if (options.parametrization != Parametrization::kAuto) return options.parametrization;
  int deepest = 1;
  for (const auto& name : options.layers) deepest = std::max(deepest, layer_block(name));
  return deepest >= kFourierFromBlock ? Parametrization::kFourier : Parametrization::kPixel;
}

std::string to_string(StallAction action) {
  switch (action) {
    case StallAction::kBlur: return "blur";
    case StallAction::kReset: return "reset";
    case StallAction::kStop: return "stop";
    case StallAction::kNone: return "none";
  }
  return "?";
}

void check_invert_options(const InvertOptions& o, int height, int width) {
  check_run_options(o);
  auto finite_nonneg = [](double v) { return std::isfinite(v) && v >= 0; };
  NST_CHECK(!o.layers.empty(), kUsage, "--layer: at least one layer is needed");
  NST_CHECK(o.layer_weights.empty() || o.layer_weights.size() == o.layers.size(), kUsage,
            "--layer-weights has " + std::to_string(o.layer_weights.size()) + " values for " +
                std::to_string(o.layers.size()) + " layers");
  for (double w : o.layer_weights) NST_CHECK(finite_nonneg(w), kUsage, "--layer-weights must be finite numbers >= 0");
  NST_CHECK(finite_nonneg(o.tv_weight), kUsage, "--tv-weight must be a finite number >= 0");
  NST_CHECK(std::isfinite(o.tv_beta) && o.tv_beta >= 1 && o.tv_beta <= 8, kUsage, "--tv-beta must be in [1, 8]");
  NST_CHECK(finite_nonneg(o.alpha_weight), kUsage, "--alpha-weight must be a finite number >= 0");
  NST_CHECK(std::isfinite(o.alpha) && o.alpha >= 1 && o.alpha <= 32, kUsage, "--alpha must be in [1, 32]");
  NST_CHECK(o.jitter >= 0 && o.jitter <= 1024, kUsage, "--jitter must be between 0 and 1024 px");
  NST_CHECK(o.bounds == BoundsMethod::kBox || o.bounds == BoundsMethod::kClamp, kUsage,
            "--bounds for invert must be box or clamp");
  NST_CHECK(std::isfinite(o.blur_sigma) && o.blur_sigma > 0 && o.blur_sigma <= 100, kUsage,
            "--blur-sigma must be in (0, 100]");
  NST_CHECK(o.stall_window >= 1 && o.stall_window <= 100000, kUsage, "--stall-window must be between 1 and 1e5");
  NST_CHECK(finite_nonneg(o.stall_tolerance), kUsage, "--stall-tol must be a finite number >= 0");
  NST_CHECK(std::isfinite(o.fourier_decay) && o.fourier_decay >= 0 && o.fourier_decay <= 4, kUsage,
            "--fourier-decay must be in [0, 4]");
  NST_CHECK(o.init != InvertInit::kImage || o.init_image.defined(), kUsage, "init image missing");
  if (height > 0 && width > 0) {
    const auto [h, w] = scale_size(height, width, 0, o);
    const auto [layer, need] = smallest_side(o.layers);
    NST_CHECK(std::min(h, w) >= need, kUsage,
              (o.scales > 1 ? "--scales " + std::to_string(o.scales) + ": the coarsest scale, "
                            : std::string("the image, ")) +
                  std::to_string(w) + "x" + std::to_string(h) + " px, is too small for " + layer + " (needs " +
                  std::to_string(need) + " px per side)");
  }
}

double blurred_psnr(const at::Tensor& a, const at::Tensor& b, double sigma) {
  NST_CHECK(a.sizes() == b.sizes(), kUsage, "PSNR needs images of the same size");
  at::NoGradGuard no_grad;
  at::Tensor x = detail::gaussian_blur(a.to(at::kCPU, at::kDouble), sigma);
  at::Tensor y = detail::gaussian_blur(b.to(at::kCPU, at::kDouble), sigma);
  const double mse = (x - y).pow(2).mean().item<double>();
  return mse > 0 ? -10.0 * std::log10(mse) : std::numeric_limits<double>::infinity();
}

namespace {

InvertResult run_invert_unguarded(const VggWeights& weights, const at::Tensor& image, const InvertOptions& options,
                                  const ProgressCallback& progress) {
  const int height = static_cast<int>(image.size(2)), width = static_cast<int>(image.size(3));
  const at::Device device(options.device);
  const FeatureNet net = detail::make_run_network(weights, options, options.layers);
  const at::Tensor original = image.to(at::kCPU, at::kFloat);
  const Parametrization parametrization = resolve_parametrization(options);
  auto optimizer = make_optimizer(detail::run_optimizer_options(
      options, options.bounds == BoundsMethod::kBox && parametrization == Parametrization::kPixel));

  InvertResult result;
  detail::StallDetector detector(options.stall_window, options.stall_tolerance);
  detail::RunDriver run(options, height, width);
  at::Tensor x;  // the image (not the parameters) between scales
  for (int s = 0; s < run.scales() && !run.stopped(); ++s) {
    const auto [h, w] = run.size(s);
    const at::Tensor target = run.finest(s) ? original : resize_image(original, h, w);
    detail::InvertObjective objective(net, target.to(device), options);
    const auto param = detail::make_parametrization(parametrization, h, w, options.fourier_decay,
                                                    at::TensorOptions().dtype(at::kFloat).device(device));
    const Objective image_f = [&](const at::Tensor& v, at::Tensor& g) { return objective(v, g); };
    const Objective f = detail::through(*param, image_f);
    // Each scale starts from the previous one upsampled; history and stall window start afresh.
    x = (s == 0 ? initial_image(target, options) : resize_image(x.to(at::kCPU), h, w)).to(device).contiguous();
    at::Tensor v = param->from_image(x).contiguous();
    optimizer->reset();
    detector.clear();

    int failures_in_a_row = 0;
    // The lowest-loss point of this scale: a blur late in the run would otherwise hand back an
    // image worse than one the optimizer had found (seen: a blur at iteration 59 of 60 left 50x
    // the feature loss).
    double lowest = std::numeric_limits<double>::infinity();
    at::Tensor lowest_params;
    const detail::StepHook on_step = [&](StepResult& step, at::Tensor& params, std::string& event) {
      failures_in_a_row = step.ok ? 0 : failures_in_a_row + 1;
      if (step.ok && step.loss < lowest) {
        lowest = step.loss;
        if (lowest_params.defined()) {
          lowest_params.copy_(params);
        } else {
          lowest_params = params.detach().clone();
        }
      }
      if (!detector.update(step.loss, step.ok)) return true;
      ++result.stalls;
      switch (options.on_stall) {
        case StallAction::kNone:
          return true;  // a failed step still ends the loop
        case StallAction::kStop:
          event = "stall";
          return false;
        case StallAction::kReset:
        case StallAction::kBlur: {
          if (failures_in_a_row >= kMaxFailuresInARow) return true;  // give up: the loop stops
          if (options.on_stall == StallAction::kBlur) {
            // Blur the image, not the coefficients, and map it back.
            at::NoGradGuard no_grad;
            params.copy_(param->from_image(detail::gaussian_blur(param->to_image(params), options.blur_sigma)));
            ++result.blurs;
          }
          optimizer->reset();  // the old (s, y) pairs describe another image
          ++result.resets;
          event = to_string(options.on_stall);
          at::Tensor g;
          step.loss = f(params, g);  // the report shows the loss after the edit
          ++step.evaluations;
          step.ok = std::isfinite(step.loss);
          return true;
        }
      }
      return true;
    };
    // Front ends (progress bar, --save-every, Ctrl-C) see the image, whatever is optimized.
    ProgressCallback report = progress;
    if (progress && !param->is_identity()) {
      report = [&](const IterationReport& r, const at::Tensor& params) {
        at::NoGradGuard no_grad;
        return progress(r, param->to_image(params));
      };
    }
    // A stall-stop or convergence at a coarse scale moves on to the next scale.
    const detail::LoopResult loop =
        run.optimize(s, *optimizer, v, f, [&] { return objective.parts(); }, run.iterations(s), report, on_step);
    at::NoGradGuard no_grad;
    const bool worse = lowest_params.defined() && loop.last.iteration > 0 && loop.last.loss > lowest;
    x = param->to_image(worse ? lowest_params : v).detach();
  }
  run.finish(x, result);
  {
    detail::InvertObjective objective(net, original.to(device), options);
    result.feature_loss = objective.feature_loss(result.image.to(device));
  }
  if (result.stop == StopReason::kConverged && result.message.rfind("stall", 0) == 0) {
    result.message = "stalled: loss fell by less than " + std::to_string(options.stall_tolerance) + " (relative) in " +
                     std::to_string(options.stall_window) + " iterations";
  }
  result.psnr = blurred_psnr(result.image, original);
  return result;
}

}  // namespace

InvertResult run_invert(const VggWeights& weights, const at::Tensor& image, const InvertOptions& options,
                        const ProgressCallback& progress) {
  NST_CHECK(image.defined() && image.dim() == 4 && image.size(0) == 1 && image.size(1) == 3, kUsage,
            "the image to invert must be 1x3xHxW");
  check_invert_options(options, static_cast<int>(image.size(2)), static_cast<int>(image.size(3)));
  try {
    return run_invert_unguarded(weights, image, options, progress);
  } catch (...) {
    detail::rethrow_as_nst_error("a " + std::to_string(image.size(3)) + "x" + std::to_string(image.size(2)) +
                                     " px inversion",
                                 "; try a smaller --size");
  }
}

}  // namespace nst
