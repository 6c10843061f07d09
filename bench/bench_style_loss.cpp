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
#include <vector>

#include "nst/image.h"
#include "nst/stylize.h"
#include "nst/weights.h"
#include "objective/style_objective.h"

namespace {

int redraw_study(int argc, char** argv) {
  using namespace nst;
  const int size = std::stoi(argv[2]), iterations = std::stoi(argv[3]);
  const at::Tensor content = read_image(argv[4], size);
  const at::Tensor style = trim_uniform_border(read_image(argv[5], size));
  const VggWeights weights = make_embedded_vgg();
  StyleOptions judge;
  judge.style_loss = StyleLoss::kSlicedWasserstein;
  judge.style_weight = 1;
  judge.content_weight = 0;
  judge.tv_weight = 0;
  judge.seed = 999;
  FeatureNet net(weights, judge.pooling, judge.style_layers);
  std::printf("%-8s %14s %14s %10s\n", "redraw", "own loss", "independent SW", "seconds");
  for (int i = 6; i < argc; ++i) {
    StyleOptions o;
    o.style_loss = StyleLoss::kSlicedWasserstein;
    o.style_weight = default_style_weight(o.style_loss, false);
    o.iterations = iterations;
    o.sliced_redraw_every = std::stoi(argv[i]);
    const auto t0 = std::chrono::steady_clock::now();
    const StyleResult r = run_style(weights, content, {style}, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nst::detail::StyleObjective objective(net, content, {style}, judge);
    at::Tensor g;
    const double independent = objective(r.image.contiguous(), g);
    write_image(r.image, std::string("/tmp/redraw_") + argv[i] + ".png");
    std::printf("%-8s %14.5g %14.5g %10.1f\n", argv[i], r.last.loss, independent, seconds);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace nst;
  if (argc > 6 && std::string(argv[1]) == "redraw") return redraw_study(argc, argv);
  const std::string root = NST_SOURCE_DIR;
  const int size = argc > 1 ? std::stoi(argv[1]) : 128;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 2; i + 1 < argc; i += 2) pairs.emplace_back(argv[i], argv[i + 1]);
  if (pairs.empty()) {
    pairs = {{root + "/examples/chelsea.png", root + "/examples/starry_night.jpg"},
             {root + "/../shared/images/astronaut.png", root + "/../shared/images/shipwreck.jpg"}};
  }
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
