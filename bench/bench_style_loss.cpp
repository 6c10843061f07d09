// Calibrates the default style weight of each --style-loss against Gram's (default_style_weight):
// at the content init (the default start), the unweighted style term Σ_l w_l L_l and the norm of
// its image gradient, per loss and pair, and the weight that gives each loss the value (and,
// for comparison, the gradient norm) that Gram has at its default weight. The geometric mean
// over the pairs is the suggestion.
//   bench_style_loss [SIZE [CONTENT STYLE]...]   (default: 128, chelsea+starry_night, astronaut+shipwreck)
// Second mode, sliced Wasserstein with fixed vs redrawn directions: runs ITERATIONS with the
// directions redrawn every R iterations (0 = fixed for the run) and scores each result under an
// independent sliced loss (C other directions per layer, seed 999; unweighted), which no run optimized.
//   bench_style_loss redraw SIZE ITERATIONS CONTENT STYLE R...
#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

#include "bench_cli.h"

#ifndef NST_SOURCE_DIR
#define NST_SOURCE_DIR "."
#endif

namespace {

struct CalibrateArgs {
  int size = 128;
  std::vector<std::string> files;  // CONTENT STYLE pairs; none: the two below
  std::vector<std::pair<std::string, std::string>> default_pairs{
      {NST_SOURCE_DIR "/examples/chelsea.png", NST_SOURCE_DIR "/examples/starry_night.jpg"},
      {NST_SOURCE_DIR "/../shared/images/astronaut.png", NST_SOURCE_DIR "/../shared/images/shipwreck.jpg"}};
};

struct RedrawArgs {
  int size = 0, iterations = 0;
  std::string content, style;
  std::vector<int> redraw_every;  // R per run; 0: directions fixed for the run
};

int redraw_study(const RedrawArgs& a) {
  using namespace nst;
  const int size = a.size, iterations = a.iterations;
  const at::Tensor content = read_image(a.content, size);
  const at::Tensor style = trim_uniform_border(read_image(a.style, size));
  const VggWeights weights = make_embedded_vgg();
  StyleOptions judge;
  judge.style_loss = StyleLoss::kSlicedWasserstein;
  judge.style_weight = 1;
  judge.content_weight = 0;
  judge.tv_weight = 0;
  judge.seed = 999;
  FeatureNet net(weights, judge.pooling, judge.style_layers);
  std::printf("%-8s %14s %14s %10s\n", "redraw", "own loss", "independent SW", "seconds");
  for (const int every : a.redraw_every) {
    StyleOptions o;
    o.style_loss = StyleLoss::kSlicedWasserstein;
    o.style_weight = default_style_weight(o.style_loss, false);
    o.iterations = iterations;
    o.sliced_redraw_every = every;
    const auto t0 = std::chrono::steady_clock::now();
    const StyleResult r = run_style(weights, content, {style}, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nst::detail::StyleObjective objective(net, content, {style}, judge);
    at::Tensor g;
    const double independent = objective(r.image.contiguous(), g);
    write_image(r.image, "/tmp/redraw_" + std::to_string(every) + ".png");
    std::printf("%-8d %14.5g %14.5g %10.1f\n", every, r.last.loss, independent, seconds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace nst;
  CalibrateArgs calibrate;
  RedrawArgs redraw;
  CLI::App app{"Calibrates each --style-loss's default weight against Gram's", "bench_style_loss"};
  app.add_option("SIZE", calibrate.size, "Image size in px")->check(CLI::Range(32, 1 << 16))->capture_default_str();
  app.add_option("CONTENT_STYLE", calibrate.files,
                 "CONTENT STYLE pairs (default: chelsea+starry_night, astronaut+shipwreck)");
  CLI::App* study = app.add_subcommand("redraw", "Sliced Wasserstein: directions fixed vs redrawn every R iterations");
  study->add_option("SIZE", redraw.size, "Image size in px")->required()->check(CLI::Range(32, 1 << 16));
  study->add_option("ITERATIONS", redraw.iterations, "Iterations per run")->required()->check(nst::bench::at_least(1));
  study->add_option("CONTENT", redraw.content, "Content image")->required();
  study->add_option("STYLE", redraw.style, "Style image")->required();
  study->add_option("R", redraw.redraw_every, "Redraw every R iterations, one run per R (0: fixed)")
      ->required()
      ->check(nst::bench::at_least(0));
  nst::bench::parse_or_exit(app, argc, argv);
  if (study->parsed()) return redraw_study(redraw);
  if (calibrate.files.size() % 2) nst::bench::usage_error("bench_style_loss", "files come in CONTENT STYLE pairs");
  const int size = calibrate.size;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 0; i + 1 < calibrate.files.size(); i += 2) {
    pairs.emplace_back(calibrate.files[i], calibrate.files[i + 1]);
  }
  if (pairs.empty()) pairs = calibrate.default_pairs;
  const VggWeights weights = make_embedded_vgg();
  const StyleLoss losses[] = {StyleLoss::kGram, StyleLoss::kMeanCov, StyleLoss::kSlicedWasserstein};
  const double gram_weight = default_style_weight(StyleLoss::kGram, false);
  double log_value[3] = {0, 0, 0}, log_grad[3] = {0, 0, 0};
  std::printf("%-44s %-20s %12s %12s %14s %14s\n", "pair", "loss", "L(content)", "|grad|", "w(equal L)",
              "w(equal grad)");
  for (const auto& [content_path, style_path] : pairs) {
    const at::Tensor content = read_image(content_path, size);
    const at::Tensor style = trim_uniform_border(read_image(style_path, size));
    double gram_value = 0, gram_grad = 0;
    for (int k = 0; k < 3; ++k) {
      StyleOptions o;
      o.style_loss = losses[k];
      o.style_weight = 1;
      o.content_weight = 0;
      o.tv_weight = 0;
      FeatureNet net(weights, o.pooling, o.style_layers);
      nst::detail::StyleObjective objective(net, content, {style}, o);
      at::Tensor g;
      const double value = objective(content.contiguous(), g);
      const double grad = g.norm().item<double>();
      if (k == 0) gram_value = value, gram_grad = grad;
      const double w_value = gram_weight * gram_value / value, w_grad = gram_weight * gram_grad / grad;
      log_value[k] += std::log(w_value) / pairs.size();
      log_grad[k] += std::log(w_grad) / pairs.size();
      const std::string name = content_path.substr(content_path.rfind('/') + 1) + "+" +
                               style_path.substr(style_path.rfind('/') + 1);
      std::printf("%-44s %-20s %12.5g %12.5g %14.5g %14.5g\n", name.c_str(), to_string(losses[k]).c_str(), value,
                  grad, w_value, w_grad);
    }
  }
  for (int k = 0; k < 3; ++k) {
    std::printf("geometric mean %-20s w(equal L) %.4g  w(equal grad) %.4g\n", to_string(losses[k]).c_str(),
                std::exp(log_value[k]), std::exp(log_grad[k]));
  }
}
