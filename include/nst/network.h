#pragma once
// VGG16/VGG19 feature extractor with canonical layer names (conv1_1 ... relu5_4, pool1 ... pool5).
#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

#include "nst/preprocess.h"

namespace nst {

/// Which VGG.
enum class VggArch { kVgg16, kVgg19 };
std::string to_string(VggArch arch);
/// "vgg16" | "vgg19"; throws nst::Error(kUsage) otherwise.
VggArch parse_arch(const std::string& name);

enum class Pooling { kMax, kAvg };
/// "max" | "avg"; throws nst::Error(kUsage) otherwise.
Pooling parse_pooling(const std::string& name);
/// "max" | "avg".
std::string to_string(Pooling pooling);

/// How each 3x3 convolution sees past the image edge. kZeros is what trained VGGs were trained
/// with. kCircular wraps around (the image as a torus): the network then has no edge, and the
/// edge-parallel strokes every other padding paints along the image border are gone (docs/QUALITY.md,
/// section 2); opposite edges see each other instead.
enum class Padding { kZeros, kReflect, kCircular };
/// "zeros" | "reflect" | "circular"; throws nst::Error(kUsage) otherwise.
Padding parse_padding(const std::string& name);
std::string to_string(Padding padding);

/// Arithmetic of the network's passes. The loss terms, Gram matrices and the optimizer always
/// stay float32: features are handed out as float32 whatever the network computes in.
/// kBFloat16 runs the convolutions (and stores the activations kept for the backward pass) in
/// bfloat16: half the activation memory, and much faster on CPUs with AVX512-BF16/AMX and on
/// GPUs. kFloat16 needs a GPU (libtorch has no float16 CPU convolution).
enum class ComputePrecision { kFloat32, kBFloat16, kFloat16 };
/// "float32" | "bfloat16" | "float16" (also fp32, bf16, fp16); throws nst::Error(kUsage) otherwise.
ComputePrecision parse_compute_precision(const std::string& name);
std::string to_string(ComputePrecision precision);
/// Throws nst::Error(kUsage) when `device` ("cpu", "cuda", "cuda:N") cannot compute in `precision`
/// (float16 on the CPU). Front ends call it before any work; FeatureNet::set_precision does too.
void check_precision_supported(ComputePrecision precision, const std::string& device);

/// Convolution weights of a VGG network in layer order (conv1_1 first), OIHW float32 + bias.
struct VggWeights {
  VggArch arch = VggArch::kVgg19;
  std::vector<at::Tensor> weights;  ///< [out, in, 3, 3]
  std::vector<at::Tensor> biases;   ///< [out]
  Preprocess preprocess = Preprocess::kCaffe;  ///< input convention the weights expect
  Padding padding = Padding::kZeros;           ///< trained VGGs use zero padding
  std::string source;                          ///< "embedded(seed=...)" or the file path, for reports
};

/// Canonical layer names of an architecture, in forward order.
std::vector<std::string> layer_names(VggArch arch);
/// Names of the conv layers only (conv1_1, ...), in order.
std::vector<std::string> conv_layer_names(VggArch arch);
/// Checks shapes against the architecture (any consistent channel widths are accepted, so that
/// tests can use narrow networks); throws nst::Error(kModel) naming the offending layer.
void validate_weights(const VggWeights& weights);

/// A frozen VGG truncated after the deepest requested layer. Input: RGB in [0,1], 1x3xHxW.
class FeatureNet {
 public:
  FeatureNet(VggWeights weights, Pooling pooling, std::vector<std::string> requested_layers);

  /// Activations of the requested layers, keyed by name. Differentiable w.r.t. image only.
  std::map<std::string, at::Tensor> forward(const at::Tensor& image) const;

  /// Moves parameters to a device (cpu, cuda).
  void to(const at::Device& device);
  /// Computes in this precision from now on (see ComputePrecision); throws nst::Error(kUsage)
  /// for float16 on a CPU.
  void set_precision(ComputePrecision precision);
  ComputePrecision precision() const { return precision_; }

  const std::vector<std::string>& requested_layers() const { return requested_; }
  const VggWeights& weights() const { return weights_; }
  /// Number of multiply-accumulates of one forward pass at h x w (conv layers only, up to the deepest layer).
  double forward_macs(int height, int width) const;

 private:
  VggWeights weights_;
  std::vector<at::Tensor> compute_weights_, compute_biases_;  // weights_ in the compute precision
  ComputePrecision precision_ = ComputePrecision::kFloat32;
  Pooling pooling_;
  std::vector<std::string> requested_;
  std::vector<std::string> plan_;  // layer names to run, up to the deepest requested
};

/// Smallest image side (px) a layer accepts: block b sits behind b-1 poolings, and its 3x3
/// padding needs at least 1 px (zeros, circular) or 2 px (reflect) there, so 2^(b-1) or 2^b.
int min_image_side(const std::string& layer, Padding padding);

/// Throws nst::Error(kUsage) naming the first unknown layer and listing the valid names.
void check_layer_names(VggArch arch, const std::vector<std::string>& names);

}  // namespace nst
