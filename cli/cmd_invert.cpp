// `nst invert`: reconstruct an image from its VGG features (feature inversion, Mahendran &
// Vedaldi 2015), with blur-on-stall, TV / α-norm priors, jitter and coarse-to-fine.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/invert.h"
#include "nst/runtime.h"
#include "nst/weights.h"
#include "progress_bar.h"

namespace nst::cli {
namespace {

struct InvertArgs {
  std::string image, output = "out.png", layers, layer_weights, init = "noise", optimizer = "lbfgs",
              on_stall, parametrization, bounds, model = "vgg19", weights = "embedded", pooling, preprocess,
              device = "cpu", trace, history_precision = "float32", precision = "float32";
  int size = 224, iterations = 0, jitter = 0, stall_window = 0, scales = 0, save_every = 0, print_every = 50,
      threads = 0, history = 100;
  uint64_t seed = 0;
  double tv_weight = 0, tv_beta = 0, alpha_weight = 0, alpha = 0, blur_sigma = 0, stall_tol = 0,
         learning_rate = 0, fourier_decay = 0;
  CLI::Option* learning_rate_opt = nullptr;
  bool no_tf32 = false;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

int run(InvertArgs& a) {
  // Everything that can be checked without reading files is checked before any work.
  NST_CHECK(a.size >= 16 && a.size <= kMaxImageSide, kUsage,
            "--size must be between 16 and " + std::to_string(kMaxImageSide) + " px");
  NST_CHECK(a.history >= 1 && a.history <= 10000, kUsage, "--history must be between 1 and 10000");
  NST_CHECK(a.save_every >= 0 && a.print_every >= 0, kUsage, "--save-every/--print-every must be >= 0");
  InvertOptions o;
  o.layers = split_list(a.layers, "--layer");
  if (!a.layer_weights.empty()) o.layer_weights = parse_numbers(a.layer_weights, "--layer-weights");
  o.iterations = a.iterations;
  o.seed = a.seed;
  o.tv_weight = a.tv_weight;
  o.tv_beta = a.tv_beta;
  o.alpha_weight = a.alpha_weight;
  o.alpha = a.alpha;
  o.jitter = a.jitter;
  o.on_stall = parse_stall_action(a.on_stall);
  o.blur_sigma = a.blur_sigma;
  o.stall_window = a.stall_window;
  o.stall_tolerance = a.stall_tol;
  o.scales = a.scales;
  o.parametrization = parse_parametrization(a.parametrization);
  o.bounds = parse_bounds_method(a.bounds);
  o.fourier_decay = a.fourier_decay;
  o.device = a.device;
  o.precision = parse_compute_precision(a.precision);
  o.allow_tf32 = !a.no_tf32;
  check_precision_supported(o.precision, a.device);  // before any work
  o.pooling = parse_pooling(a.pooling);
  o.optimizer.kind = parse_optimizer_kind(a.optimizer);
  o.optimizer.history = a.history;
  o.optimizer.history_precision = parse_history_precision(a.history_precision);
  if (a.learning_rate_opt->count()) {
    NST_CHECK(a.learning_rate > 0 && std::isfinite(a.learning_rate), kUsage, "--learning-rate must be > 0");
    o.optimizer.learning_rate = a.learning_rate;
  } else if (o.optimizer.kind != OptimizerKind::kLbfgs) {
    o.optimizer.learning_rate = 0.01;  // pixels live in [0,1]
  }
  const bool init_is_file = !parse_invert_init(a.init, &o.init);
  if (init_is_file) {
    o.init = InvertInit::kImage;
    o.init_image = at::zeros({1, 3, 1, 1});  // placeholder for the check; read below
  }
  check_invert_options(o);
  check_layer_names(parse_arch(a.model), o.layers);
  if (a.device != "cpu") NST_CHECK(cuda_available(), kUsage, "--device " + a.device + ": no CUDA device available");
  std::vector<std::string> inputs{a.image};
  if (init_is_file) inputs.push_back(a.init);
  if (a.weights != "embedded") inputs.push_back(a.weights);
  check_output_path(a.output, inputs);

  const int threads = configure_runtime(a.threads);
  VggWeights weights = load_weights(a.weights, parse_arch(a.model), a.preprocess);
  check_layer_names(weights.arch, o.layers);
  at::Tensor image = read_image(a.image, a.size);
  check_invert_options(o, static_cast<int>(image.size(2)), static_cast<int>(image.size(3)));
  if (init_is_file) o.init_image = read_image(a.init);

  std::fprintf(stderr, "nst: invert %s from %s, %dx%d px, %s over %s, on stall %s, %d scale(s), %s, %d threads, "
               "weights %s\n",
               a.image.c_str(), join(o.layers).c_str(), static_cast<int>(image.size(3)),
               static_cast<int>(image.size(2)), a.optimizer.c_str(), to_string(o.parametrization).c_str(),
               to_string(o.on_stall).c_str(), o.scales, a.device.c_str(), threads, weights.source.c_str());

  install_interrupt_handler();
  ProgressBar bar(a.print_every);
  std::unique_ptr<TraceWriter> trace = a.trace.empty() ? nullptr : std::make_unique<TraceWriter>(a.trace);
  auto progress = [&](const IterationReport& r, const at::Tensor& current) {
    bar.update(r);
    if (trace) trace->write(r);
    if (a.save_every > 0 && r.iteration % a.save_every == 0 && r.iteration < r.total_iterations) {
      write_image(current, numbered_path(a.output, r.iteration));
    }
    return !interrupted();
  };
  InvertResult result = run_invert(weights, image, o, progress);
  bar.finish();
  write_image(result.image, a.output);
  std::fprintf(stderr, "nst: %s after %d iterations, %.1fs: loss %.6e (%s)%s%s\n", to_string(result.stop).c_str(),
               result.last.iteration, result.last.seconds, result.last.loss, summarize_parts(result.last).c_str(),
               result.message.empty() ? "" : ": ", result.message.c_str());
  std::fprintf(stderr,
               "nst: feature loss %.6e, PSNR %.2f dB vs the original (both blurred, sigma 1), %d stalls, %d blurs, "
               "%d resets; wrote %s\n",
               result.feature_loss, result.psnr, result.stalls, result.blurs, result.resets, a.output.c_str());
  if (result.stop == StopReason::kAborted && interrupted()) return kExitInterrupted;
  return kExitOk;
}

}  // namespace

void add_invert_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<InvertArgs>();
  const InvertOptions d;
  a->layers = join(d.layers);
  a->iterations = d.iterations;
  a->seed = d.seed;
  a->tv_weight = d.tv_weight;
  a->tv_beta = d.tv_beta;
  a->alpha_weight = d.alpha_weight;
  a->alpha = d.alpha;
  a->jitter = d.jitter;
  a->on_stall = to_string(d.on_stall);
  a->blur_sigma = d.blur_sigma;
  a->stall_window = d.stall_window;
  a->stall_tol = d.stall_tolerance;
  a->scales = d.scales;
  a->parametrization = to_string(d.parametrization);
  a->bounds = to_string(d.bounds);
  a->fourier_decay = d.fourier_decay;
  a->pooling = d.pooling == Pooling::kAvg ? "avg" : "max";
  CLI::App* cmd = app.add_subcommand("invert", "Feature inversion: reconstruct an image from its VGG features");
  cmd->add_option("-i,--image", a->image, "Image to reconstruct (PNG/JPEG/TIFF/WebP)")->required();
  cmd->add_option("-l,--layer,--layers", a->layers, "Layer(s) to match, comma-separated (e.g. relu4_1,conv5_1)")
      ->capture_default_str();
  cmd->add_option("--layer-weights", a->layer_weights, "Weight per layer (default 1/N each)");
  cmd->add_option("-o,--output", a->output, "Output image; format from extension")->capture_default_str();
  cmd->add_option("--size", a->size, "Longest side in px (the image is resized to it)")->capture_default_str();
  cmd->add_option("--iterations", a->iterations, "Optimizer iterations in total (split evenly over --scales)")
      ->capture_default_str();
  cmd->add_option("--optimizer", a->optimizer, "lbfgs | adam | sgd")->capture_default_str();
  cmd->add_option("--history", a->history, "L-BFGS history size")->capture_default_str();
  cmd->add_option("--history-precision", a->history_precision, "L-BFGS history storage: float32 | float16 | bfloat16")
      ->capture_default_str();
  a->learning_rate_opt =
      cmd->add_option("--learning-rate", a->learning_rate, "Step size (default: 1 for lbfgs, 0.01 for adam/sgd)");
  cmd->add_option("--init", a->init,
                  "noise | blur | mean | FILE. blur starts from the target blurred with sigma = size/8, which "
                  "leaks the target's colours and layout into the result; mean is flat ImageNet-mean grey")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Random seed (noise init, jitter)")->capture_default_str();
  cmd->add_option("--tv-weight", a->tv_weight, "Weight of the TV^beta prior, mean over pixels")->capture_default_str();
  cmd->add_option("--tv-beta", a->tv_beta, "beta of the TV prior (2 smooth, 1 edge-preserving)")->capture_default_str();
  cmd->add_option("--alpha-weight", a->alpha_weight, "Weight of the alpha-norm prior mean(|x - 0.5|^alpha)")
      ->capture_default_str();
  cmd->add_option("--alpha", a->alpha, "alpha of the alpha-norm prior")->capture_default_str();
  cmd->add_option("--jitter", a->jitter,
                  "Roll the image randomly by up to PX px before each evaluation (for adam/sgd; with lbfgs it "
                  "makes the objective random, which breaks its secant pairs and line search)")
      ->capture_default_str();
  cmd->add_option("--on-stall", a->on_stall,
                  "When the loss stalls or the line search fails: blur (blur the image, clear the optimizer "
                  "history) | reset (clear history) | stop | none")
      ->capture_default_str();
  cmd->add_option("--blur-sigma", a->blur_sigma, "Gaussian sigma in px of blur-on-stall")->capture_default_str();
  cmd->add_option("--stall-window", a->stall_window, "Stall: iterations K over which progress is measured")
      ->capture_default_str();
  cmd->add_option("--stall-tol", a->stall_tol, "Stall: relative loss decrease over K iterations below this")
      ->capture_default_str();
  cmd->add_option("--scales", a->scales,
                  "Coarse-to-fine: optimize at size/2^(N-1) first, then double; iterations split evenly")
      ->capture_default_str();
  cmd->add_option("--bounds", a->bounds,
                  "box (pixels kept in [0,1] inside the optimizer: L-BFGS-B) | clamp (unbounded, clamped at the "
                  "end); fourier is always clamped")
      ->capture_default_str();
  cmd->add_option("--parametrization", a->parametrization,
                  "pixel | fourier (optimize scaled Fourier coefficients of a colour-decorrelated image, "
                  "Olah et al. 2017; same image and loss, other optimizer geometry)")
      ->capture_default_str();
  cmd->add_option("--fourier-decay", a->fourier_decay,
                  "fourier: scale coefficients by 1/f^decay (Lucid: 1; 0: plain orthonormal FFT)")
      ->capture_default_str();
  cmd->add_option("--model", a->model, "vgg19 | vgg16 (embedded network shape)")->capture_default_str();
  cmd->add_option("--weights", a->weights, kWeightsHelp)->capture_default_str();
  cmd->add_option("--preprocess", a->preprocess, "Override the weights' input convention: caffe | torchvision");
  cmd->add_option("--pooling", a->pooling, "max | avg")->capture_default_str();
  cmd->add_option("--save-every", a->save_every, "Save OUTPUT_N.ext every N iterations (0: off)")
      ->capture_default_str();
  cmd->add_option("--print-every", a->print_every, "Log every N iterations when not on a terminal")
      ->capture_default_str();
  cmd->add_option("--trace", a->trace, "Write one JSON line per iteration to this file (events: blur, reset, stall)");
  cmd->add_option("--threads", a->threads, "CPU threads (default: all, or OMP_NUM_THREADS)");
  cmd->add_option("--device", a->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--precision", a->precision, "Network arithmetic: float32 | bfloat16 | float16 (GPU only)")
      ->capture_default_str();
  cmd->add_flag("--no-tf32", a->no_tf32, "CUDA: keep float32 passes off the TF32 tensor cores (on by default)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
