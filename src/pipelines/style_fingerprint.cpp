// style_fingerprint: what a checkpoint must agree on with the run that resumes it (nst/checkpoint.h).
// Entries are named as nst style's flags, so a refusal names the flag to change back.
#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nst/checkpoint.h"
#include "nst/preprocess.h"
#include "weights/sha256.h"

namespace nst {
namespace {

std::string num(double v) {
  char text[40];
  for (int digits = 6; digits <= 17; ++digits) {  // the shortest text that reads back as v
    std::snprintf(text, sizeof text, "%.*g", digits, v);
    if (std::strtod(text, nullptr) == v || std::isnan(v)) break;
  }
  return text;
}

std::string nums(const std::vector<double>& values) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : ",") + num(v);
  return text.empty() ? "(default)" : text;
}

std::string names(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& v : values) text += (text.empty() ? "" : ",") + v;
  return text;
}

std::string size_of(const at::Tensor& image) {
  return std::to_string(image.size(-1)) + "x" + std::to_string(image.size(-2));
}

// SHA-256 of the float32 values (the pixels as the run sees them, after reading and resizing).
std::string pixels(const at::Tensor& image) {
  const at::Tensor t = image.detach().to(at::kCPU, at::kFloat).contiguous();
  return detail::sha256_hex(static_cast<const uint8_t*>(t.data_ptr()), t.nbytes()).substr(0, 16);
}

std::string init_name(InitKind kind) {
  switch (kind) {
    case InitKind::kNoise: return "noise";
    case InitKind::kContent: return "content";
    case InitKind::kStyle: return "style";
    case InitKind::kImage: return "image";
  }
  return "?";
}

}  // namespace

Fingerprint style_fingerprint(const VggWeights& weights, const at::Tensor& content,
                              const std::vector<at::Tensor>& styles, const StyleOptions& o) {
  // A sum of every weight: tells two files of one name apart without hashing hundreds of MB.
  double weight_sum = 0;
  for (const auto* list : {&weights.weights, &weights.biases}) {
    for (const auto& t : *list) weight_sum += t.to(at::kDouble).sum().item<double>();
  }
  const OptimizerOptions& p = o.optimizer;
  const int coarse = o.coarse_iterations >= 0 ? o.coarse_iterations : o.iterations;
  Fingerprint f = {
      {"--weights", weights.source + " (" + to_string(weights.arch) + ", " + to_string(weights.preprocess) + ", sum " +
                        num(weight_sum) + ")"},
      {"--padding", to_string(weights.padding)},
      {"content size (--size)", size_of(content)},
      {"content pixels", pixels(content)},
      {"style images", std::to_string(styles.size())},
  };
  for (size_t i = 0; i < styles.size(); ++i) {
    f.emplace_back("style " + std::to_string(i + 1), size_of(styles[i]) + " " + pixels(styles[i]));
  }
  const Fingerprint rest = {
      {"--content-weight", num(o.content_weight)},
      {"--style-weight", num(o.style_weight)},
      {"--tv-weight", num(o.tv_weight)},
      {"--content-layers", names(o.content_layers)},
      {"--style-layers", names(o.style_layers)},
      {"--style-layer-weights", nums(o.style_layer_weights)},
      {"--style-blend", nums(o.style_blend)},
      {"--keep-style-border", o.trim_style_borders ? "no" : "yes"},
      {"--style-loss", to_string(o.style_loss)},
      {"sliced directions", std::to_string(o.sliced_directions)},
      {"sliced redraw interval", std::to_string(o.sliced_redraw_every)},
      {"--init", init_name(o.init) + (o.init == InitKind::kImage && o.init_image.defined()
                                          ? " " + size_of(o.init_image) + " " + pixels(o.init_image)
                                          : "")},
      {"--seed", std::to_string(o.seed)},
      {"--scales", std::to_string(o.scales)},
      {"--scale-factor", num(o.scale_factor)},
      {"--coarse-iterations", o.scales > 1 ? std::to_string(coarse) : "(one scale)"},
      {"--tile-size", std::to_string(o.tile_size)},
      {"--bounds", to_string(o.bounds)},
      {"range weight", num(o.range_weight)},
      {"polish fraction", num(o.polish_fraction)},
      {"--pooling", to_string(o.pooling)},
      {"--device", o.device},
      {"--precision", to_string(o.precision)},
      {"--no-tf32", o.allow_tf32 ? "no" : "yes"},
      {"--optimizer", to_string(p.kind)},
      {"--history", std::to_string(p.history)},
      {"--line-search", p.line_search ? "strong-wolfe" : "none"},
      {"line-search c1, c2, evaluations", num(p.c1) + ", " + num(p.c2) + ", " + std::to_string(p.max_line_search)},
      {"--history-precision", to_string(p.history_precision)},
      {"--history-device", p.history_device.empty() ? "(x's)" : p.history_device},
      {"--learning-rate", num(p.learning_rate)},
      {"adam betas, epsilon", num(p.beta1) + ", " + num(p.beta2) + ", " + num(p.epsilon)},
      {"sgd momentum", num(p.momentum)},
      {"optimizer bounds", num(p.lower) + ", " + num(p.upper)},
      {"temporal targets", std::to_string(o.temporal.size())},
      {"--style-mask", std::to_string(o.style_masks.size())},
      {"tv wrap (--tileable)", o.tv_wrap ? "yes" : "no"},
  };
  f.insert(f.end(), rest.begin(), rest.end());
  for (size_t i = 0; i < o.temporal.size(); ++i) {
    const TemporalTarget& t = o.temporal[i];
    f.emplace_back("temporal " + std::to_string(i + 1),
                   num(t.weight) + " " + size_of(t.image) + " " + pixels(t.image) + " " + pixels(t.mask));
  }
  for (size_t i = 0; i < o.style_masks.size(); ++i) {
    f.emplace_back("style mask " + std::to_string(i + 1), size_of(o.style_masks[i]) + " " + pixels(o.style_masks[i]));
  }
  return f;
}

}  // namespace nst
