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

namespace nst::cli {
namespace {

struct ScoreArgs {
  std::string content, style_blend, weights = "embedded", pooling, style_layers, content_layers, model;
  std::vector<std::string> styles, images;
  /// Longest side (px) every file is read at; 0 = the first IMAGE's own longest side, so that a
  /// result is judged at the size it was made.
  int size = 0;
  uint64_t judge_seed = 0;
  int threads = 0;
  bool json = false;
  CLI::Option* judge_seed_opt = nullptr;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

const char* pooling_name(Pooling p) { return p == Pooling::kMax ? "max" : "avg"; }

int run(const ScoreArgs& a) {
  NST_CHECK(a.size == 0 || (a.size >= 16 && a.size <= kMaxImageSide), kUsage,
            "--size must be 0 (the first image's size) or between 16 and " + std::to_string(kMaxImageSide) + " px");
  NST_CHECK(a.weights == "embedded" || !a.judge_seed_opt->count(), kUsage,
            "--judge-seed applies to the embedded judge only, not to --weights " + a.weights);
  ScoreOptions o;
  o.arch = parse_arch(a.model);
  if (a.judge_seed_opt->count()) o.judge_seed = a.judge_seed;
  if (!a.pooling.empty()) o.pooling = parse_pooling(a.pooling);
  if (!a.style_layers.empty()) o.style_layers = split_list(a.style_layers, "--style-layers");
  if (!a.content_layers.empty()) o.content_layers = split_list(a.content_layers, "--content-layers");
  if (!a.style_blend.empty()) o.style_blend = parse_numbers(a.style_blend, "--style-blend");
  NST_CHECK(o.style_blend.empty() || o.style_blend.size() == a.styles.size(), kUsage,
            "--style-blend has " + std::to_string(o.style_blend.size()) + " weights for " +
                std::to_string(a.styles.size()) + " style images");
  check_layer_names(o.arch, o.style_layers);
  check_layer_names(o.arch, o.content_layers);
  configure_runtime(a.threads);

  VggWeights weights = a.weights == "embedded" ? default_judge_weights(o) : load_weights(a.weights, o.arch);
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
                       {"style_distance", r.style_distance},
                       {"content_distance", r.content_distance},
                       {"style_baseline", r.style_baseline},
                       {"content_baseline", r.content_baseline},
                       {"style_layers", r.style_layers},
                       {"content_layers", r.content_layers},
                       {"width", judge.width()},
                       {"height", judge.height()},
                       {"judge", judge.weights().source + ", " + pooling_name(o.pooling) + " pooling"}};
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s style=%.4f content=%.4f\n", path.c_str(), r.style, r.content);
    }
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

void add_score_command(CLI::App& app, std::function<int()>& action) {
  auto a = std::make_shared<ScoreArgs>();
  const ScoreOptions d;  // the defaults, printed from the struct
  a->model = to_string(d.arch);
  CLI::App* cmd = app.add_subcommand(
      "score",
      "Judge images with a network the optimizer did not see: style 0 = the style's Gram matrices, 1 = no closer "
      "than the content photo; content 0 = the content's features, 1 = as far as the style image");
  cmd->add_option("-c,--content,--content-image", a->content, "Content image")->required();
  // One value per --style, so that the IMAGE arguments after it are not taken as styles.
  cmd->add_option("-s,--style,--style-image", a->styles, "Style image; repeat for several")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->expected(1)
      ->allow_extra_args(false);
  cmd->add_option("--style-blend,--style-blend-weights", a->style_blend, "Weight per style image (default equal)");
  cmd->add_option("images", a->images, "Images to score (resized to the content's size when they differ)")
      ->required();
  cmd->add_option("--size", a->size,
                  "Longest side (px) all images are read and scored at (default 0: the first IMAGE's own longest "
                  "side); an image of another shape is then resized to the content's");
  cmd->add_option("--weights", a->weights,
                  "Judge network: embedded (seeded random VGG, see --judge-seed) | NAME | FILE (trained VGG)")
      ->capture_default_str();
  cmd->add_option("--model", a->model, "vgg19 | vgg16 (embedded judge shape)")->capture_default_str();
  a->judge_seed_opt = cmd->add_option("--judge-seed", a->judge_seed,
                                      "Seed of the embedded judge (default " + std::to_string(d.judge_seed) +
                                          "; nst style optimizes seed " + std::to_string(EmbeddedNetOptions{}.seed) +
                                          ")");
  cmd->add_option("--pooling", a->pooling, std::string("max | avg (default ") + pooling_name(d.pooling) + ")");
  cmd->add_option("--style-layers", a->style_layers, "Judge's style layers (default " + join(d.style_layers) + ")");
  cmd->add_option("--content-layers", a->content_layers,
                  "Judge's content layers (default " + join(d.content_layers) + ")");
  cmd->add_option("--threads", a->threads, "CPU threads (default: all, or OMP_NUM_THREADS)");
  cmd->add_flag("--json", a->json,
                "One JSON object per image (style, content, raw distances, baselines, per-layer values)");
  cmd->callback([a, &action] { action = [a] { return run(*a); }; });
}

}  // namespace nst::cli
