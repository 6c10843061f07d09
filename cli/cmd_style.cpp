// `nst style`: Gatys-style transfer from the command line. Option names follow
// jcjohnson/neural-style's, in GNU long form.
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
#include "nst/memory_plan.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "progress_bar.h"

namespace nst::cli {
namespace {

struct StyleArgs {
  std::string content, output = "out.png", style_layers, content_layers, style_layer_weights, style_blend;
  std::string style_loss;
  std::vector<std::string> styles;
  int size = 512;
  double style_scale = 1.0;
  std::string init = "auto", optimizer = "lbfgs", model = "vgg19", weights = "embedded", pooling = "auto",
              preprocess, device = "cpu", bounds, trace, line_search = "strong-wolfe", history_precision = "float32", precision = "float32",
              history_device;
  double content_weight = 0, style_weight = 0, tv_weight = 0, learning_rate = 0;
  int history = 100, iterations = 500, save_every = 0, print_every = 50, threads = 0;
  int scales = 1, start_size = 0, coarse_iterations = -1, tile_size = 0;
  double scale_factor = 1.41421356237309515, memory_limit_gib = 0;
  uint64_t seed = 0;
  bool original_colors = false, bound_pixels = false, keep_style_border = false, no_tf32 = false;
  CLI::Option *content_weight_opt, *style_weight_opt, *tv_weight_opt, *content_layers_opt, *style_layers_opt,
      *learning_rate_opt;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

InitKind parse_init(const std::string& init, StyleOptions& options) {
  if (init == "noise" || init == "random") return InitKind::kNoise;
  if (init == "content" || init == "image") return InitKind::kContent;
  if (init == "style") return InitKind::kStyle;
  options.init_image = read_image(init);  // a file
  return InitKind::kImage;
}

/// Refuses, before any allocation, a run the memory model says will not fit (CPU only: the
/// model is calibrated for the CPU backend), naming the largest size that would.
void check_memory(const StyleArgs& a, const VggWeights& weights, const StyleOptions& o, const at::Tensor& content,
                  const std::vector<at::Tensor>& styles) {
  if (a.device != "cpu") return;
  const uint64_t budget = memory_budget(a.memory_limit_gib);
  if (budget == 0) return;  // unknown
  MemoryPlanInput in = memory_plan_input(o, weights.arch, weights.padding);
  in.height = static_cast<int>(content.size(2));
  in.width = static_cast<int>(content.size(3));
  for (const auto& s : styles) in.styles.emplace_back(static_cast<int>(s.size(2)), static_cast<int>(s.size(3)));
  // The scales run one after another; the finest decides the peak.
  const MemoryPlan plan = plan_style_memory(in);
  if (plan.peak_bytes <= budget) return;
  const int fits = largest_fitting_side(in, budget);
  std::string advice = fits > 0 ? "; --size " + std::to_string(fits) + " fits" : "; no size fits";
  // The same size may fit with a half-precision L-BFGS history, on tiles, or with a shorter
  // history: name the first of these (in that order of cost to the result) that fits.
  const bool lbfgs = in.optimizer.kind == OptimizerKind::kLbfgs;
  const bool full_history = in.optimizer.history_precision == HistoryPrecision::kFull;
  struct Remedy {
    bool applies;
    int tile_size;
    HistoryPrecision precision;
    int history;
    const char* flags;
  };
  const Remedy remedies[] = {
      {lbfgs && full_history, in.tile_size, HistoryPrecision::kFloat16, in.optimizer.history, "--history-precision float16"},
      {in.tile_size == 0, 512, in.optimizer.history_precision, in.optimizer.history, "--tile-size 512"},
      {in.tile_size == 0 && lbfgs && full_history, 512, HistoryPrecision::kFloat16, in.optimizer.history,
       "--tile-size 512 --history-precision float16"},
      {in.tile_size == 0 && lbfgs && in.optimizer.history > 5, 512, in.optimizer.history_precision, 5,
       "--tile-size 512 --history 5"},
  };
  for (const Remedy& r : remedies) {
    if (!r.applies) continue;
    MemoryPlanInput alt = in;
    alt.tile_size = r.tile_size;
    alt.optimizer.history_precision = r.precision;
    alt.optimizer.history = r.history;
    if (plan_style_memory(alt).peak_bytes <= budget) {
      advice += std::string(", or keep the size with ") + r.flags;
      break;
    }
  }
  fail(ErrorKind::kResource, "a " + std::to_string(in.width) + "x" + std::to_string(in.height) +
                                 " px run needs about " + format_gib(plan.peak_bytes) + ", more than the " + format_gib(budget) +
                                 (a.memory_limit_gib > 0 ? " of --memory-limit" : " available") + advice +
                                 " (see nst plan)");
}

int run(StyleArgs& a) {
  NST_CHECK(a.size >= 16 && a.size <= kMaxImageSide, kUsage,
            "--size must be between 16 and " + std::to_string(kMaxImageSide) + " px");
  NST_CHECK(a.style_scale > 0 && a.style_scale <= 16, kUsage, "--style-scale must be in (0, 16]");
  NST_CHECK(a.history >= 1 && a.history <= 10000, kUsage, "--history must be between 1 and 10000");
  NST_CHECK(a.save_every >= 0 && a.print_every >= 0, kUsage, "--save-every/--print-every must be >= 0");
  std::vector<std::string> inputs{a.content};
  inputs.insert(inputs.end(), a.styles.begin(), a.styles.end());
  if (a.weights != "embedded") inputs.push_back(a.weights);
  check_output_path(a.output, inputs);

  const int threads = configure_runtime(a.threads);
  VggWeights weights = load_weights(a.weights, parse_arch(a.model), a.preprocess);
  const bool embedded = a.weights == "embedded";

  // Defaults depend on the network (see trained_vgg_style_defaults()); explicit flags win.
  StyleOptions o;  // (assigned, not a ?: of two temporaries: gcc 12 then warns falsely about its strings)
  if (!embedded) o = trained_vgg_style_defaults();
  if (a.content_weight_opt->count()) o.content_weight = a.content_weight;
  if (a.style_weight_opt->count()) o.style_weight = a.style_weight;
  if (a.tv_weight_opt->count()) o.tv_weight = a.tv_weight;
  if (a.content_layers_opt->count()) o.content_layers = split_list(a.content_layers, "--content-layers");
  if (a.style_layers_opt->count()) o.style_layers = split_list(a.style_layers, "--style-layers");
  if (!a.style_layer_weights.empty()) o.style_layer_weights = parse_numbers(a.style_layer_weights, "--style-layer-weights");
  if (!a.style_blend.empty()) o.style_blend = parse_numbers(a.style_blend, "--style-blend");
  if (!a.style_loss.empty()) o.style_loss = parse_style_loss(a.style_loss);
  if (!a.style_weight_opt->count()) o.style_weight = default_style_weight(o.style_loss, !embedded);  // per loss
  if (a.pooling != "auto") o.pooling = parse_pooling(a.pooling);
  if (a.init != "auto") o.init = parse_init(a.init, o);
  o.seed = a.seed;
  if (!a.bounds.empty()) o.bounds = parse_bounds_method(a.bounds);
  if (a.bound_pixels) o.bounds = BoundsMethod::kBox;
  if (a.keep_style_border) o.trim_style_borders = false;
  o.iterations = a.iterations;
  o.coarse_iterations = a.coarse_iterations;
  o.scales = a.scales;
  o.scale_factor = a.scale_factor;
  if (a.start_size > 0) {
    // --start-size: as many steps of at most --scale-factor as it takes, then equal steps.
    NST_CHECK(a.start_size >= 16 && a.start_size < a.size, kUsage, "--start-size must be at least 16 and below --size");
    const double ratio = static_cast<double>(a.size) / a.start_size;
    o.scales = 1 + static_cast<int>(std::ceil(std::log(ratio) / std::log(a.scale_factor) - 1e-9));
    o.scale_factor = std::pow(ratio, 1.0 / (o.scales - 1));
  }
  o.device = a.device;
  o.precision = parse_compute_precision(a.precision);
  o.allow_tf32 = !a.no_tf32;
  check_precision_supported(o.precision, a.device);  // before any work
  o.tile_size = a.tile_size;
  o.optimizer.kind = parse_optimizer_kind(a.optimizer);
  o.optimizer.history = a.history;
  o.optimizer.history_precision = parse_history_precision(a.history_precision);
  NST_CHECK(a.history_device.empty() || a.history_device == "cpu" || a.history_device.rfind("cuda", 0) == 0, kUsage,
            "--history-device must be cpu or cuda[:N], got '" + a.history_device + "'");
  o.optimizer.history_device = a.history_device;
  NST_CHECK(a.line_search == "strong-wolfe" || a.line_search == "none", kUsage,
            "--line-search must be strong-wolfe or none");
  o.optimizer.line_search = a.line_search == "strong-wolfe";
  if (a.learning_rate_opt->count()) {
    NST_CHECK(a.learning_rate > 0 && std::isfinite(a.learning_rate), kUsage, "--learning-rate must be > 0");
    o.optimizer.learning_rate = a.learning_rate;
  } else if (o.optimizer.kind == OptimizerKind::kAdam) {
    o.optimizer.learning_rate = 0.01;  // pixels live in [0,1]; Adam's step is scale-free
  } else if (o.optimizer.kind == OptimizerKind::kSgd) {
    o.optimizer.learning_rate = 1e-3;  // 1e-2 diverged from noise init at the default weights
  }
  check_style_options(o, a.styles.size());
  check_layer_names(weights.arch, o.content_layers);
  check_layer_names(weights.arch, o.style_layers);
  if (a.device != "cpu") NST_CHECK(cuda_available(), kUsage, "--device " + a.device + ": no CUDA device available");

  at::Tensor content = read_image(a.content, a.size);
  std::vector<at::Tensor> styles;
  const int style_size = std::max(16, static_cast<int>(std::lround(a.size * a.style_scale)));
  for (const auto& path : a.styles) styles.push_back(read_image(path, style_size));
  check_style_image_sizes(weights, o, content, styles);
  check_memory(a, weights, o, content, styles);

  std::fprintf(stderr, "nst: %s, %dx%d px, %s, %d threads, weights %s (%s)\n", a.optimizer.c_str(),
               static_cast<int>(content.size(3)), static_cast<int>(content.size(2)), a.device.c_str(), threads,
               weights.source.c_str(), to_string(weights.preprocess).c_str());

  install_interrupt_handler();
  ProgressBar bar(a.print_every);
  std::unique_ptr<TraceWriter> trace = a.trace.empty() ? nullptr : std::make_unique<TraceWriter>(a.trace);
  auto finish_image = [&](const at::Tensor& image) {
    return a.original_colors ? transfer_original_colors(content, image) : image;
  };
  auto progress = [&](const IterationReport& r, const at::Tensor& image) {
    bar.update(r);
    if (trace) trace->write(r);
    if (a.save_every > 0 && r.iteration % a.save_every == 0 && r.iteration < r.total_iterations) {
      write_image(finish_image(image), numbered_path(a.output, r.iteration));
    }
    return !interrupted();
  };
  StyleResult result = run_style(weights, content, styles, o, progress);
  bar.finish();
  write_image(finish_image(result.image), a.output);
  std::fprintf(stderr, "nst: %s after %d iterations, %.1fs: loss %.6e (%s)%s%s; wrote %s; peak memory %.0f MiB\n",
               to_string(result.stop).c_str(), result.last.iteration, result.last.seconds, result.last.loss,
               summarize_parts(result.last).c_str(), result.message.empty() ? "" : ": ", result.message.c_str(),
               a.output.c_str(), static_cast<double>(peak_rss_bytes()) / (1 << 20));
  if (result.stop == StopReason::kAborted && interrupted()) return kExitInterrupted;
  return kExitOk;
}

}  // namespace

void add_style_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<StyleArgs>();
  const StyleOptions e;  // embedded defaults
  const StyleOptions t = trained_vgg_style_defaults();
  CLI::App* cmd = app.add_subcommand("style", "Neural style transfer (Gatys et al.): optimize an image");
  cmd->add_option("-c,--content,--content-image", a->content, "Content image (PNG/JPEG/TIFF/WebP)")->required();
  cmd->add_option("-s,--style,--style-image", a->styles, "Style image; repeat for several")->required();
  cmd->add_option("-o,--output,--output-image", a->output, "Output image; format from extension")->capture_default_str();
  cmd->add_option("--size,--image-size", a->size, "Longest side of the output in px")->capture_default_str();
  cmd->add_option("--iterations,--num-iterations", a->iterations, "Optimizer iterations")->capture_default_str();
  cmd->add_option("--scales", a->scales, "Coarse-to-fine: number of sizes, each --scale-factor apart")
      ->capture_default_str();
  cmd->add_option("--start-size", a->start_size, "Coarse-to-fine from this longest side (sets --scales)");
  cmd->add_option("--scale-factor", a->scale_factor, "Size ratio between successive scales")->capture_default_str();
  cmd->add_option("--coarse-iterations", a->coarse_iterations,
                  "Iterations at each coarser scale (default: --iterations)");
  cmd->add_option("--tile-size", a->tile_size,
                  "Run the network on overlapping tiles of this side (px; 0: whole image). Same result, "
                  "less memory, about 1.5-2x the time")
      ->capture_default_str();
  cmd->add_option("--memory-limit", a->memory_limit_gib,
                  "Refuse runs predicted to need more (GiB; default: available memory; see nst plan)");
  cmd->add_option("--optimizer", a->optimizer, "lbfgs | adam | sgd")->capture_default_str();
  cmd->add_option("--line-search", a->line_search, "L-BFGS line search: strong-wolfe | none (fixed step)")
      ->capture_default_str();
  cmd->add_option("--history,--lbfgs-num-correction", a->history, "L-BFGS history size")->capture_default_str();
  cmd->add_option("--history-precision", a->history_precision,
                  "L-BFGS history storage: float32 | float16 | bfloat16 (half the memory)")
      ->capture_default_str();
  cmd->add_option("--history-device", a->history_device,
                  "Keep the L-BFGS history on this device (cpu: a GPU run's history in host memory; default: "
                  "with the image)");
  a->learning_rate_opt = cmd->add_option("--learning-rate", a->learning_rate,
                                         "Step size (default: 1 lbfgs, 0.01 adam, 0.001 sgd)");
  auto describe = [](const char* what, double embedded, double trained) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "%s (default %g embedded, %g trained weights)", what, embedded, trained);
    return std::string(buffer);
  };
  a->content_weight_opt = cmd->add_option("--content-weight", a->content_weight,
                                          describe("Content loss weight", e.content_weight, t.content_weight));
  a->style_weight_opt =
      cmd->add_option("--style-weight", a->style_weight, describe("Style loss weight", e.style_weight, t.style_weight));
  a->tv_weight_opt = cmd->add_option("--tv-weight", a->tv_weight,
                                     describe("Total-variation weight", e.tv_weight, t.tv_weight));
  a->content_layers_opt = cmd->add_option(
      "--content-layers", a->content_layers,
      "Content layers (default " + join(e.content_layers) + " embedded, " + join(t.content_layers) + " trained)");
  a->style_layers_opt =
      cmd->add_option("--style-layers", a->style_layers, "Style layers (default " + join(e.style_layers) + ")");
  cmd->add_option("--style-layer-weights", a->style_layer_weights, "Weight per style layer (default 1/N each)");
  cmd->add_option("--style-blend,--style-blend-weights", a->style_blend, "Weight per style image (default equal)");
  cmd->add_option("--style-loss", a->style_loss, [&e] {
    std::string help = "Style statistic: gram (Gram matrices) | mean-cov (W2 distance of Gaussians fitted to the "
                       "features) | sliced-wasserstein (sorted random projections; not tileable). Default " +
                       to_string(e.style_loss) + "; without --style-weight each has its own weight (embedded:";
    for (StyleLoss l : {StyleLoss::kGram, StyleLoss::kMeanCov, StyleLoss::kSlicedWasserstein}) {
      char w[64];
      std::snprintf(w, sizeof w, " %s %g", to_string(l).c_str(), default_style_weight(l, false));
      help += w;
    }
    return help + ")";
  }());
  cmd->add_option("--style-scale", a->style_scale, "Style image size relative to --size")->capture_default_str();
  cmd->add_option("--init", a->init, "noise | content | style | FILE (default content embedded, noise trained)");
  cmd->add_option("--seed", a->seed, "Random seed for noise init")->capture_default_str();
  cmd->add_option("--bounds", a->bounds,
                  "How pixels stay in [0,1]: clamp (after the run) | box (inside the optimizer: L-BFGS-B) | "
                  "penalty | polish (default " + to_string(e.bounds) + ")");
  cmd->add_flag("--bound-pixels", a->bound_pixels, "The same as --bounds box");
  cmd->add_flag("--keep-style-border", a->keep_style_border,
                "Keep a uniform frame (scan border) of the style images; by default it is trimmed, "
                "because its statistics paint a dark frame into the output");
  cmd->add_flag("--original-colors", a->original_colors, "Keep the content image's colours (luminance transfer)");
  cmd->add_option("--model", a->model, "vgg19 | vgg16 (embedded network shape)")->capture_default_str();
  cmd->add_option("--weights", a->weights, kWeightsHelp)->capture_default_str();
  cmd->add_option("--preprocess", a->preprocess, "Override the weights' input convention: caffe | torchvision");
  cmd->add_option("--pooling", a->pooling, "max | avg (default avg embedded, max trained)");
  cmd->add_option("--save-every,--save-iter", a->save_every, "Save OUTPUT_N.ext every N iterations (0: off)")
      ->capture_default_str();
  cmd->add_option("--print-every,--print-iter", a->print_every, "Log every N iterations when not on a terminal")
      ->capture_default_str();
  cmd->add_option("--trace", a->trace, "Write one JSON line per iteration to this file");
  cmd->add_option("--threads", a->threads, "CPU threads (default: all, or OMP_NUM_THREADS)");
  cmd->add_option("--device", a->device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--precision", a->precision,
                  "Network arithmetic: float32 | bfloat16 (half the activation memory; fast on CPUs with "
                  "AVX512-BF16 and on GPUs) | float16 (GPU only). Losses and optimizer stay float32")
      ->capture_default_str();
  cmd->add_flag("--no-tf32", a->no_tf32, "CUDA: keep float32 passes off the TF32 tensor cores (on by default)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
