// `nst texture`: texture synthesis from style images (nst/texture.h). Thin: flags into
// TextureOptions, the run, the image written.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>

#include "commands.h"
#include "common.h"
#include "interrupt.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "nst/texture.h"
#include "nst/weights.h"
#include "options.h"

namespace nst::cli {
namespace {

struct TextureArgs {
  std::string size, style_layers, style_blend, bounds;
  std::vector<std::string> styles;
  RunFlags run;
  NetworkFlags net;
  OptimizerFlags opt;
  StyleWeightFlags weights;
  double style_scale = 1.0;
  ScaleFlags scales;
  bool tileable = false;
  CLI::Option* style_layers_opt = nullptr;
};

int run(TextureArgs& a) {
  const auto [height, width] = parse_image_size(a.size, "--size");
  a.run.size = std::max(height, width);  // the style images are read relative to the longest side
  check_run_flags(a.run);
  std::vector<std::string> inputs = a.styles;
  if (!a.net.embedded()) inputs.push_back(a.net.weights);
  check_output_path(a.run.output, inputs);
  NST_CHECK(!a.tileable || a.net.padding == "auto" || a.net.padding == "circular", kUsage,
            "--tileable pads circularly: drop --padding " + a.net.padding);

  // Defaults depend on the network; explicit flags win.
  TextureOptions t;
  t.style = texture_style(!a.net.embedded());
  StyleOptions& o = t.style;
  o.optimizer = to_options(a.opt, o.optimizer);
  apply_network_flags(a.net, o);  // before any work
  a.weights.apply(o);
  if (a.style_layers_opt->count()) o.style_layers = split_list(a.style_layers, "--style-layers");
  if (!a.style_blend.empty()) o.style_blend = parse_numbers(a.style_blend, "--style-blend");
  o.seed = a.run.seed;
  o.bounds = parse_bounds_method(a.bounds);
  o.iterations = a.run.iterations;
  a.scales.apply(o, a.run.size);
  t.width = width;
  t.height = height;
  t.tileable = a.tileable;

  const int threads = configure_runtime(a.net.threads);
  VggWeights weights = a.net.load();
  check_texture_options(weights, t, a.styles.size());
  std::vector<at::Tensor> styles = read_style_images(a.styles, a.run.size, a.style_scale);
  std::fprintf(stderr, "nst: texture %dx%d px%s, %s, %s, %d threads, weights %s (%s)\n", width, height,
               a.tileable ? " tileable (circular padding)" : "", a.opt.optimizer.c_str(), a.net.device.c_str(),
               threads, weights.source.c_str(), to_string(weights.preprocess).c_str());

  RunProgress progress(&a.run);
  StyleResult result = run_texture(weights, styles, t, progress.callback());
  progress.finish();
  write_image(result.image, a.run.output);
  return report_run_end(result, "; wrote " + a.run.output);
}

}  // namespace

void add_texture_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<TextureArgs>();
  const TextureOptions d;  // embedded defaults
  const StyleOptions t = texture_style(true);  // trained weights
  CLI::App* cmd = app.add_subcommand(
      "texture", "Texture synthesis (Gatys et al. 2015): an image of any size with the style images' statistics, "
                 "from noise; --tileable repeats seamlessly");
  add_style_images(cmd, a->styles)->required();
  const std::string size = d.width == d.height ? std::to_string(d.width)
                                               : std::to_string(d.width) + "x" + std::to_string(d.height);
  add_run_flags(cmd, a->run, a->size, size, d.style.iterations, d.style.seed);
  cmd->add_flag("--tileable", a->tileable,
                "Wrap around seamlessly (circular padding and a TV term across the edges): tiles repeat "
                "without a seam");
  add_scale_flags(cmd, a->scales, d.style);
  add_optimizer_flags(cmd, a->opt, d.style.optimizer);
  add_style_weight_flags(cmd, a->weights, kNoContentWeight);
  a->style_layers_opt =
      add_style_layers(cmd, a->style_layers, per_network(join(d.style.style_layers), join(t.style_layers)));
  add_style_blend(cmd, a->style_blend);
  add_style_scale(cmd, a->style_scale);
  add_bounds(cmd, a->bounds, d.style.bounds);
  add_network_flags(cmd, a->net, "auto", d.style.device, d.style.precision);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
