// The embedded default network: VGG-shaped, seeded random filters, no download.
// Random-weight VGGs do style transfer when every layer's activations have comparable size
// (He et al. 2016; ALGORITHMS.md section 5), so each layer is rescaled to mean ReLU output 1
// on a calibration image with natural-image statistics (1/f amplitude spectrum).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

#include "models/seeded_normal.h"
#include "models/tensor_cache_file.h"
#include "nst/error.h"
#include "nst/weights.h"

namespace nst {
namespace {

using detail::SeededNormal;

// Bump when generation or calibration changes in any way that changes a weight: cache files
// of the old generator are then ignored and rewritten.
constexpr int kGeneratorVersion = 1;

// The parameters' shapes, interleaved like a state dict (conv1_1 weight, conv1_1 bias, conv1_2
// weight, ...): block b has min(64 * 2^(b-1), 512) output channels. Generation and the cache
// file both follow this list.
detail::TensorShapes parameter_shapes(VggArch arch) {
  detail::TensorShapes shapes;
  int64_t in_channels = 3;
  for (const auto& name : conv_layer_names(arch)) {
    const int block = name[4] - '0';
    const int64_t out_channels = std::min<int64_t>(64 << (block - 1), 512);
    shapes.push_back({out_channels, in_channels, 3, 3});
    shapes.push_back({out_channels});
    in_channels = out_channels;
  }
  return shapes;
}

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

// Everything besides the tensors: the same whether generated or read from the cache.
VggWeights describe(const EmbeddedNetOptions& options) {
  VggWeights w;
  w.arch = options.arch;
  w.preprocess = Preprocess::kTorchvision;  // inputs of about unit variance
  w.padding = options.padding;
  w.source = "embedded(" + to_string(options.arch) + ", seed=" + std::to_string(options.seed) + ", " +
             to_string(options.padding) + " padding)";
  return w;
}

void generate(const EmbeddedNetOptions& options, VggWeights& w) {
  SeededNormal rng(options.seed);
  const detail::TensorShapes shapes = parameter_shapes(options.arch);
  for (size_t i = 0; i < shapes.size(); i += 2) {
    const int64_t fan_in = shapes[i][1] * 9;  // He initialization
    w.weights.push_back(rng.tensor(shapes[i]) * std::sqrt(2.0 / fan_in));
    w.biases.push_back(at::zeros(shapes[i + 1]));
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
}

// Which of libtorch's CPU kernels run, as ATen and oneDNN choose them (or $ATEN_CPU_CAPABILITY):
// AVX512 and AVX2 code sum in other orders, so the calibration's last bits differ.
std::string cpu_kernels() {
  if (const char* forced = std::getenv("ATEN_CPU_CAPABILITY")) return forced;
#if defined(__x86_64__) || defined(__i386__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq")) {
    return "avx512";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
  return "default";
}

// What the weights are a function of. The thread count is in the file name too (a user may
// alternate); libtorch's version and kernels (AVX2, AVX512) only here: a file from another
// installation or CPU (a shared home folder) is regenerated.
std::string identity(const EmbeddedNetOptions& options) {
#ifdef TORCH_VERSION
  const std::string torch = TORCH_VERSION;
#else
  const std::string torch = "unknown";
#endif
  return "nst embedded network, generator " + std::to_string(kGeneratorVersion) + ", " + to_string(options.arch) +
         ", seed " + std::to_string(options.seed) + ", libtorch " + torch + ", cpu " + cpu_kernels() + ", " +
         std::to_string(at::get_num_threads()) + " threads";
}

}  // namespace

std::string embedded_net_cache_path(const EmbeddedNetOptions& options) {
  if (options.cache_dir.empty()) return "";
  const std::string name = "embedded-" + to_string(options.arch) + "-seed" + std::to_string(options.seed) +
                           "-threads" + std::to_string(at::get_num_threads()) + "-v" +
                           std::to_string(kGeneratorVersion) + ".bin";
  return (std::filesystem::path(options.cache_dir) / name).string();
}

VggWeights make_embedded_vgg(const EmbeddedNetOptions& options) {
  VggWeights w = describe(options);
  const std::string path = embedded_net_cache_path(options);
  if (path.empty()) {
    generate(options, w);
    return w;
  }
  const std::string id = identity(options);
  if (auto cached = detail::read_tensor_cache(path, id, parameter_shapes(options.arch))) {
    for (size_t i = 0; i < cached->size(); i += 2) {
      w.weights.push_back((*cached)[i]);
      w.biases.push_back((*cached)[i + 1]);
    }
    return w;
  }
  generate(options, w);
  std::vector<at::Tensor> tensors;
  for (size_t i = 0; i < w.weights.size(); ++i) {
    tensors.push_back(w.weights[i]);
    tensors.push_back(w.biases[i]);
  }
  detail::write_tensor_cache(path, id, tensors);  // best effort: a failure only costs the next run
  return w;
}

}  // namespace nst
