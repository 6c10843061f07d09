// `nst style`: Gatys-style transfer from the command line. Option names follow
// jcjohnson/neural-style's, in GNU long form.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/checkpoint.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/memory_plan.h"
#include "nst/runtime.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "options.h"
#include "startup_marks.h"

namespace nst::cli {
namespace {

struct StyleArgs {
  std::string content, style_layers, content_layers, style_layer_weights, style_blend;
  std::string style_loss;
  std::vector<std::string> styles, style_masks;
  RunFlags run;
  NetworkFlags net;
  OptimizerFlags opt;
  MemoryFlags memory;
  double style_scale = 1.0;
  std::string init, bounds;
  StyleWeightFlags weights;
  ScaleFlags scales;
  bool original_colors = false, bound_pixels = false, keep_style_border = false;
  std::string checkpoint, resume;
  CLI::Option *content_layers_opt, *style_layers_opt;
};

/// Refuses, before any allocation, a run the memory model says will not fit (CPU only: the
/// model is calibrated for the CPU backend), naming the largest size that would.
/// Checks the run's predicted peak against the budget; returns the prediction (0 off the CPU,
/// where the model does not apply), which the run's last line reports beside the measured peak.
uint64_t check_memory(const StyleArgs& a, const VggWeights& weights, const StyleOptions& o, const at::Tensor& content,
                      const std::vector<at::Tensor>& styles) {
  if (a.net.device != "cpu") return 0;
  MemoryPlanInput in = memory_plan_input(o, weights.arch, weights.padding);
  in.height = static_cast<int>(content.size(2));
  in.width = static_cast<int>(content.size(3));
  for (const auto& s : styles) in.styles.emplace_back(static_cast<int>(s.size(2)), static_cast<int>(s.size(3)));
  // The scales run one after another; the finest decides the peak.
  const MemoryPlan plan = plan_style_memory(in);
  const uint64_t budget = a.memory.budget();
  if (budget == 0 || plan.peak_bytes <= budget) return plan.peak_bytes;  // budget 0: unknown
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
                                 (a.memory.memory_limit_gib > 0 ? " of --memory-limit" : " available") + advice +
                                 " (see nst plan)");
  return plan.peak_bytes;
}

int run(StyleArgs& a) {
  check_run_flags(a.run);
  check_memory_flags(a.memory);
  const RunFlags& r = a.run;
  std::vector<std::string> inputs{a.content};
  inputs.insert(inputs.end(), a.styles.begin(), a.styles.end());
  inputs.insert(inputs.end(), a.style_masks.begin(), a.style_masks.end());
  NST_CHECK(a.style_masks.empty() || a.style_masks.size() == a.styles.size(), kUsage,
            "--style-mask given " + std::to_string(a.style_masks.size()) + " times for " +
                std::to_string(a.styles.size()) + " --style images: one mask per style, in order");
  if (!a.net.embedded()) inputs.push_back(a.net.weights);
  if (!a.checkpoint.empty()) {  // it may be the --resume file: that run's state moves on
    std::vector<std::string> others = inputs;
    others.push_back(r.output);
    check_output_path(a.checkpoint, others);
  }
  if (!a.resume.empty()) inputs.push_back(a.resume);
  check_output_path(r.output, inputs);
  // Read first: a damaged file is refused before the network loads.
  const StyleCheckpoint resume = a.resume.empty() ? StyleCheckpoint{} : read_checkpoint(a.resume);

  // Defaults depend on the network (see trained_vgg_style_defaults()); explicit flags win.
  StyleOptions o = style_defaults(a.net.weights);
  o.optimizer = to_options(a.opt, o.optimizer);
  apply_network_flags(a.net, o);  // before any work
  o.tile_size = a.memory.tile_size;

  const int threads = configure_runtime(a.net.threads);
  VggWeights weights = a.net.load();
  mark_startup("network ready");
  a.weights.apply(o);
  if (a.content_layers_opt->count()) o.content_layers = split_list(a.content_layers, "--content-layers");
  if (a.style_layers_opt->count()) o.style_layers = split_list(a.style_layers, "--style-layers");
  if (!a.style_layer_weights.empty()) o.style_layer_weights = parse_numbers(a.style_layer_weights, "--style-layer-weights");
  if (!a.style_blend.empty()) o.style_blend = parse_numbers(a.style_blend, "--style-blend");
  if (!a.style_loss.empty()) o.style_loss = parse_style_loss(a.style_loss);
  if (!a.weights.style_weight_opt->count()) o.style_weight = default_style_weight(o.style_loss, !a.net.embedded());  // per loss
  if (a.init != "auto") o.init = parse_init(a.init, o);
  o.seed = r.seed;
  o.bounds = parse_bounds_method(a.bounds);
  if (a.bound_pixels) o.bounds = BoundsMethod::kBox;
  if (a.keep_style_border) o.trim_style_borders = false;
  o.iterations = r.iterations;
  a.scales.apply(o, r.size);
  check_style_options(o, a.styles.size());
  check_layer_names(weights.arch, o.content_layers);
  check_layer_names(weights.arch, o.style_layers);

  at::Tensor content = read_image(a.content, r.size);
  std::vector<at::Tensor> styles = read_style_images(a.styles, r.size, a.style_scale);
  for (const auto& path : a.style_masks) {
    o.style_masks.push_back(read_mask(path, static_cast<int>(content.size(2)), static_cast<int>(content.size(3))));
  }
  mark_startup("images read");
  check_style_options(o, a.styles.size());  // again, now with the masks' values
  check_style_image_sizes(weights, o, content, styles);
  const uint64_t planned = check_memory(a, weights, o, content, styles);
  if (!a.resume.empty()) check_style_resume(resume, weights, content, styles, o, a.resume);

  std::fprintf(stderr, "nst: %s, %dx%d px, %s, %d threads, weights %s (%s)\n", a.opt.optimizer.c_str(),
               static_cast<int>(content.size(3)), static_cast<int>(content.size(2)), a.net.device.c_str(), threads,
               weights.source.c_str(), to_string(weights.preprocess).c_str());

  RunProgress progress(&r);
  auto finish_image = [&](const at::Tensor& image) {
    return a.original_colors ? transfer_original_colors(content, image) : image;
  };
  StyleCheckpointing checkpointing;
  if (!a.resume.empty()) {
    checkpointing.resume = &resume;
    checkpointing.resume_name = a.resume;
    std::fprintf(stderr, "nst: resuming %s after iteration %d\n", a.resume.c_str(), resume.iteration);
  }
  if (!a.checkpoint.empty()) {
    checkpointing.every = r.save_every;
    checkpointing.write = [&](const StyleCheckpoint& c) { write_checkpoint(a.checkpoint, c); };
  }
  StyleResult result = run_style(weights, content, styles, o, progress.callback(finish_image), nullptr, checkpointing);
  progress.finish();
  write_image(finish_image(result.image), r.output);
  // The prediction for this very run (its size, styles and --iterations) beside the measurement.
  char peak[96];
  std::snprintf(peak, sizeof peak, "; peak memory %.0f MiB", static_cast<double>(peak_rss_bytes()) / (1 << 20));
  if (planned > 0) {
    std::snprintf(peak + std::strlen(peak), sizeof peak - std::strlen(peak), " (planned %.0f MiB)",
                  static_cast<double>(planned) / (1 << 20));
  }
  return report_run_end(result, "; wrote " + r.output + peak);
}

}  // namespace

void add_style_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<StyleArgs>();
  const StyleOptions e;  // embedded defaults
  const StyleOptions t = trained_vgg_style_defaults();
  CLI::App* cmd = app.add_subcommand("style", "Neural style transfer (Gatys et al.): optimize an image");
  add_content_image(cmd, a->content)->required();
  add_style_images(cmd, a->styles)->required();
  add_run_flags(cmd, a->run, kStyleSize, e.iterations, e.seed);
  add_scale_flags(cmd, a->scales, e);
  add_memory_flags(cmd, a->memory, e);
  add_optimizer_flags(cmd, a->opt, e.optimizer);
  add_style_weight_flags(cmd, a->weights);
  a->content_layers_opt =
      add_content_layers(cmd, a->content_layers, per_network(join(e.content_layers), join(t.content_layers)));
  a->style_layers_opt =
      add_style_layers(cmd, a->style_layers, per_network(join(e.style_layers), join(t.style_layers)));
  cmd->add_option("--style-layer-weights", a->style_layer_weights, "Weight per style layer (default 1/N each)");
  add_style_blend(cmd, a->style_blend);
  cmd->add_option("--style-mask", a->style_masks,
                  "Spatial control: a mask per --style, in order (grey image, white = that style's region; "
                  "resized to the content). Each style's statistics are taken over its own region; pixels "
                  "outside every mask get no style term. Gram or mean-cov");
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
  add_style_scale(cmd, a->style_scale);
  add_init(cmd, a->init, "auto");
  add_bounds(cmd, a->bounds, e.bounds);
  cmd->add_flag("--bound-pixels", a->bound_pixels, "The same as --bounds box");
  cmd->add_flag("--keep-style-border", a->keep_style_border,
                "Keep a uniform frame (scan border) of the style images; by default it is trimmed, "
                "because its statistics paint a dark frame into the output");
  cmd->add_flag("--original-colors", a->original_colors, "Keep the content image's colours (luminance transfer)");
  cmd->add_option("--checkpoint", a->checkpoint,
                  "Write the run's state (image, optimizer state, iteration, scale, a fingerprint of the options) "
                  "to FILE at every --save-every, on Ctrl-C and at the end");
  cmd->add_option("--resume", a->resume,
                  "Continue the run a --checkpoint FILE holds, with the same flags; --iterations counts the whole "
                  "run. May be the --checkpoint file itself");
  add_network_flags(cmd, a->net, "auto", e.device, e.precision);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
