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
#include "options.h"

namespace nst::cli {
namespace {

/// The size of an inversion when --size is not given: VGG's own input size (224 px); one
/// iteration there took 0.76 s on 1 thread (see InvertOptions::iterations).
constexpr int kInvertSize = 224;

struct InvertArgs {
  std::string image, layers, layer_weights, init, on_stall, parametrization, bounds;
  RunFlags run;
  NetworkFlags net;
  OptimizerFlags opt;
  ScaleFlags scales;
  int jitter = 0, stall_window = 0;
  double tv_weight = 0, tv_beta = 0, alpha_weight = 0, alpha = 0, blur_sigma = 0, stall_tol = 0, fourier_decay = 0;
};

int run(InvertArgs& a) {
  // Everything that can be checked without reading files is checked before any work.
  check_run_flags(a.run);
  const RunFlags& r = a.run;
  InvertOptions o;
  o.optimizer = to_options(a.opt, o.optimizer);
  o.layers = split_list(a.layers, "--layer");
  if (!a.layer_weights.empty()) o.layer_weights = parse_numbers(a.layer_weights, "--layer-weights");
  o.iterations = r.iterations;
  o.seed = r.seed;
  o.tv_weight = a.tv_weight;
  o.tv_beta = a.tv_beta;
  o.alpha_weight = a.alpha_weight;
  o.alpha = a.alpha;
  o.jitter = a.jitter;
  o.on_stall = parse_stall_action(a.on_stall);
  o.blur_sigma = a.blur_sigma;
  o.stall_window = a.stall_window;
  o.stall_tolerance = a.stall_tol;
  a.scales.apply(o, r.size);
  o.parametrization = parse_parametrization(a.parametrization);
  o.bounds = parse_bounds_method(a.bounds);
  o.fourier_decay = a.fourier_decay;
  apply_network_flags(a.net, o);  // before any work
  const bool init_is_file = !parse_invert_init(a.init, &o.init);
  if (init_is_file) {
    o.init = InvertInit::kImage;
    o.init_image = at::zeros({1, 3, 1, 1});  // placeholder for the check; read below
  }
  check_invert_options(o);
  check_layer_names(parse_arch(a.net.model), o.layers);
  std::vector<std::string> inputs{a.image};
  if (init_is_file) inputs.push_back(a.init);
  if (!a.net.embedded()) inputs.push_back(a.net.weights);
  check_output_path(r.output, inputs);

  const int threads = configure_runtime(a.net.threads);
  VggWeights weights = a.net.load();
  check_layer_names(weights.arch, o.layers);
  at::Tensor image = read_image(a.image, r.size);
  check_invert_options(o, static_cast<int>(image.size(2)), static_cast<int>(image.size(3)));
  if (init_is_file) o.init_image = read_image(a.init);

  std::fprintf(stderr, "nst: invert %s from %s, %dx%d px, %s over %s, on stall %s, %d scale(s), %s, %d threads, "
               "weights %s\n",
               a.image.c_str(), join(o.layers).c_str(), static_cast<int>(image.size(3)),
               static_cast<int>(image.size(2)), a.opt.optimizer.c_str(),
               to_string(resolve_parametrization(o)).c_str(),
               to_string(o.on_stall).c_str(), o.scales, a.net.device.c_str(), threads, weights.source.c_str());

  RunProgress progress(&r);
  InvertResult result = run_invert(weights, image, o, progress.callback());
  progress.finish();
  write_image(result.image, r.output);
  const int exit_code = report_run_end(result);
  std::fprintf(stderr,
               "nst: feature loss %.6e, PSNR %.2f dB vs the original (both blurred, sigma 1), %d stalls, %d blurs, "
               "%d resets; wrote %s\n",
               result.feature_loss, result.psnr, result.stalls, result.blurs, result.resets, r.output.c_str());
  return exit_code;
}

}  // namespace

void add_invert_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<InvertArgs>();
  const InvertOptions d;
  a->jitter = d.jitter;
  a->on_stall = to_string(d.on_stall);
  a->blur_sigma = d.blur_sigma;
  a->stall_window = d.stall_window;
  a->stall_tol = d.stall_tolerance;
  a->parametrization = to_string(d.parametrization);
  a->fourier_decay = d.fourier_decay;
  a->tv_beta = d.tv_beta;
  a->alpha_weight = d.alpha_weight;
  a->alpha = d.alpha;
  a->tv_weight = d.tv_weight;
  CLI::App* cmd = app.add_subcommand("invert", "Feature inversion: reconstruct an image from its VGG features");
  add_target_image(cmd, a->image)->required();
  add_layers(cmd, a->layers, d);
  cmd->add_option("--layer-weights", a->layer_weights, "Weight per layer (default 1/N each)");
  add_run_flags(cmd, a->run, kInvertSize, d.iterations, d.seed);
  add_optimizer_flags(cmd, a->opt, d.optimizer);
  add_init(cmd, a->init, d.init == InvertInit::kImage ? "FILE" : to_string(d.init));
  add_tv_weight(cmd, a->tv_weight, format_number(d.tv_weight));
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
  add_scale_flags(cmd, a->scales, d);
  add_bounds(cmd, a->bounds, d.bounds);
  cmd->add_option("--parametrization", a->parametrization,
                  "auto | pixel | fourier (optimize scaled Fourier coefficients of a colour-decorrelated image, "
                  "Olah et al. 2017; same image and loss, other optimizer geometry). auto: fourier when the "
                  "deepest layer is in block 5 (conv5_1), pixel for shallower layers")
      ->capture_default_str();
  cmd->add_option("--fourier-decay", a->fourier_decay,
                  "fourier: scale coefficients by 1/f^decay (Lucid: 1; 0: plain orthonormal FFT)")
      ->capture_default_str();
  add_network_flags(cmd, a->net, to_string(d.pooling), d.device, d.precision);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
