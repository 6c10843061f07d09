// `nst score`: scores images against a content and style image under a judge network the
// optimizer did not see (see score.h); one line (or one JSON object) per image on stdout.
// Reads only; never writes a file.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "common.h"
#include "nst/error.h"
#include "nst/image.h"
#include "nst/runtime.h"
#include "nst/score.h"
#include "nst/weights.h"
#include "options.h"

namespace nst::cli {
namespace {

struct ScoreArgs {
  std::string content, style_blend, weights, pooling, style_layers, content_layers, model;
  std::vector<std::string> styles, images;
  /// Longest side (px) every file is read at; 0 = the first IMAGE's own longest side, so that a
  /// result is judged at the size it was made.
  int size = 0;
  uint64_t judge_seed = 0, sliced_seed = 0;
  int threads = 0;
  bool json = false, no_network_cache = false;
  CLI::Option* judge_seed_opt = nullptr;
};

int run(const ScoreArgs& a) {
  if (a.size != 0) check_image_side(a.size);  // 0: the first image's own size
  NST_CHECK(a.weights == "embedded" || !a.judge_seed_opt->count(), kUsage,
            "--judge-seed applies to the embedded judge only, not to --weights " + a.weights);
  ScoreOptions o;
  o.arch = parse_arch(a.model);
  if (a.judge_seed_opt->count()) o.judge_seed = a.judge_seed;
  o.sliced_seed = a.sliced_seed;
  o.pooling = parse_pooling(a.pooling);
  if (!a.style_layers.empty()) o.style_layers = split_list(a.style_layers, "--style-layers");
  if (!a.content_layers.empty()) o.content_layers = split_list(a.content_layers, "--content-layers");
  if (!a.style_blend.empty()) o.style_blend = parse_numbers(a.style_blend, "--style-blend");
  NST_CHECK(o.style_blend.empty() || o.style_blend.size() == a.styles.size(), kUsage,
            "--style-blend has " + std::to_string(o.style_blend.size()) + " weights for " +
                std::to_string(a.styles.size()) + " style images");
  check_layer_names(o.arch, o.style_layers);
  check_layer_names(o.arch, o.content_layers);
  configure_runtime(a.threads);

  VggWeights weights = a.weights == "embedded" ? default_judge_weights(o, network_cache_dir(a.no_network_cache))
                                               : load_weights(a.weights, o.arch);
  int size = a.size;
  if (size == 0) {
    const ImageInfo info = probe_image(a.images.at(0));
    size = std::max(info.width, info.height);
  }
  const at::Tensor content = read_image(a.content, size);
  std::vector<at::Tensor> styles;
  for (const auto& path : a.styles) styles.push_back(read_image(path, size));
  const Judge judge(std::move(weights), content, styles, o);

  for (const auto& path : a.images) {
    // Read at the same longest side as the content (the same resampling), so that the content
    // file itself scores exactly style=1 content=0; the judge then resizes to the content's shape.
    const ScoreResult r = judge.score(read_image(path, size));
    if (a.json) {
      nlohmann::json j{{"image", path},
                       {"style", r.style},
                       {"content", r.content},
                       {"style_sliced", r.style_sliced},
                       {"style_distance", r.style_distance},
                       {"content_distance", r.content_distance},
                       {"style_baseline", r.style_baseline},
                       {"content_baseline", r.content_baseline},
                       {"style_sliced_distance", r.style_sliced_distance},
                       {"style_sliced_baseline", r.style_sliced_baseline},
                       {"style_layers", r.style_layers},
                       {"content_layers", r.content_layers},
                       {"width", judge.width()},
                       {"height", judge.height()},
                       {"judge", judge.weights().source + ", " + to_string(o.pooling) + " pooling"}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s style=%.4f content=%.4f style_sliced=%.4f\n", path.c_str(), r.style, r.content,
                  r.style_sliced);
    }
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

void add_score_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<ScoreArgs>();
  const ScoreOptions d;  // the defaults, printed from the struct
  CLI::App* cmd = app.add_subcommand(
      "score",
      "Judge images with a network the optimizer did not see: style 0 = the style's Gram matrices, 1 = no closer "
      "than the content photo; content 0 = the content's features, 1 = as far as the style image; style_sliced: the "
      "style by the sliced Wasserstein distance, on style's scale");
  add_content_image(cmd, a->content)->required();
  // One value per --style, so that the IMAGE arguments after it are not taken as styles.
  add_style_images(cmd, a->styles)
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1)
      ->allow_extra_args(false);
  add_style_blend(cmd, a->style_blend);
  cmd->add_option("images", a->images, "Images to score (resized to the content's size when they differ)")
      ->required();
  // 0: the first IMAGE's own longest side, so that a result is judged at the size it was made.
  add_size(cmd, a->size, 0);
  add_weights(cmd, a->weights);
  add_model(cmd, a->model, d.arch);
  a->judge_seed_opt = cmd->add_option("--judge-seed", a->judge_seed,
                                      "Seed of the embedded judge (nst style optimizes seed " +
                                          std::to_string(EmbeddedNetOptions{}.seed) + ")");
  a->judge_seed = d.judge_seed;
  a->judge_seed_opt->capture_default_str();
  a->sliced_seed = d.sliced_seed;
  cmd->add_option("--sliced-seed", a->sliced_seed, "Seed of the judge's random directions for style_sliced")
      ->capture_default_str();
  add_pooling(cmd, a->pooling, to_string(d.pooling));
  add_style_layers(cmd, a->style_layers, join(d.style_layers));
  add_content_layers(cmd, a->content_layers, join(d.content_layers));
  add_threads(cmd, a->threads);
  add_no_network_cache(cmd, a->no_network_cache);
  add_json(cmd, a->json);
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
