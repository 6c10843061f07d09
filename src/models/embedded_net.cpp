// The embedded default network: VGG-shaped, seeded random filters, no download.
// Random-weight VGGs do style transfer when every layer's activations have comparable size
// (He et al. 2016; ALGORITHMS.md section 5), so each layer is rescaled to mean ReLU output 1
// on a calibration image with natural-image statistics (1/f amplitude spectrum).
#include <ATen/ATen.h>

#include <cmath>

#include "models/seeded_normal.h"
#include "nst/error.h"
#include "nst/weights.h"

namespace nst {
namespace {

using detail::SeededNormal;

// Sum of octaves of smoothly upsampled noise: amplitude ~ 1/frequency, like photographs.
at::Tensor calibration_image(SeededNormal& rng, int size) {
  at::Tensor image = at::zeros({1, 3, size, size});
  for (int cells = 2; cells <= size; cells *= 2) {
    at::Tensor noise = rng.tensor({1, 3, cells, cells});
    // Colour channels correlate in natural images: mix a shared luminance component in.
    noise = 0.3 * noise + 0.7 * noise.mean(1, true);
    image += at::upsample_bilinear2d(noise, {size, size}, /*align_corners=*/false) * (2.0 / cells);
  }
  image = (image - image.mean()) / (image.std() * 4.0) + 0.5;
  return image.clamp(0.0, 1.0);
}

}  // namespace

VggWeights make_embedded_vgg(const EmbeddedNetOptions& options) {
  VggWeights w;
  w.arch = options.arch;
  w.preprocess = Preprocess::kTorchvision;  // inputs of about unit variance
  w.padding = options.padding;
  w.source = "embedded(" + to_string(options.arch) + ", seed=" + std::to_string(options.seed) + ", " +
             to_string(options.padding) + " padding)";
  SeededNormal rng(options.seed);
  const auto convs = conv_layer_names(options.arch);
  int64_t in_channels = 3;
  for (const auto& name : convs) {
    const int block = name[4] - '0';
    const int64_t out_channels = std::min<int64_t>(64 << (block - 1), 512);
    w.weights.push_back(rng.tensor({out_channels, in_channels, 3, 3}) * std::sqrt(2.0 / (in_channels * 9)));
    w.biases.push_back(at::zeros({out_channels}));
    in_channels = out_channels;
  }
  // Calibrate layer by layer: with zero biases a ReLU layer is positively homogeneous, so
  // dividing a filter bank by its mean output sets that mean to exactly 1.
  at::NoGradGuard no_grad;
  at::Tensor x = preprocess(calibration_image(rng, 128), w.preprocess);
  size_t conv_index = 0;
  for (const auto& name : layer_names(options.arch)) {
    if (name[0] == 'c') {
      x = at::relu(at::conv2d(at::reflection_pad2d(x, {1, 1, 1, 1}), w.weights[conv_index], w.biases[conv_index]));
      const double mean = x.mean().item<double>();
      NST_CHECK(mean > 0 && std::isfinite(mean), kModel, "embedded network calibration failed at " + name);
      w.weights[conv_index].div_(mean);
      x.div_(mean);
      ++conv_index;
    } else if (name[0] == 'p') {
      x = at::avg_pool2d(x, {2, 2}, {2, 2});
    }
  }
  return w;
}

}  // namespace nst
