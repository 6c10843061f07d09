// The VGG forward pass written with plain ATen ops: no nn::Module, no parameter gradients,
// ReLU in place where its input is not itself requested (halves activation memory).
#include <ATen/ATen.h>

#include <algorithm>
#include <set>

#include "nst/error.h"
#include "nst/network.h"

namespace nst {
namespace {

std::vector<int> convs_per_block(VggArch arch) {
  return arch == VggArch::kVgg19 ? std::vector<int>{2, 2, 4, 4, 4} : std::vector<int>{2, 2, 3, 3, 3};
}

/// Reflection padding by one pixel built from slices: reflection_pad2d has no bfloat16 kernel
/// on the CPU in libtorch 1.13. Row -1 is row 1 and row H is row H-2, as reflection_pad2d.
at::Tensor reflect_pad1(const at::Tensor& x) {
  const int64_t h = x.size(2), w = x.size(3);
  at::Tensor rows = at::cat({x.narrow(2, 1, 1), x, x.narrow(2, h - 2, 1)}, 2);
  return at::cat({rows.narrow(3, 1, 1), rows, rows.narrow(3, w - 2, 1)}, 3);
}

/// Circular padding by one pixel (row -1 is row H-1): built from slices, as no ATen op of
/// libtorch 1.13 pads circularly.
at::Tensor circular_pad1(const at::Tensor& x) {
  const int64_t h = x.size(2), w = x.size(3);
  at::Tensor rows = at::cat({x.narrow(2, h - 1, 1), x, x.narrow(2, 0, 1)}, 2);
  return at::cat({rows.narrow(3, w - 1, 1), rows, rows.narrow(3, 0, 1)}, 3);
}

at::ScalarType scalar_type(ComputePrecision precision) {
  switch (precision) {
    case ComputePrecision::kFloat32: return at::kFloat;
    case ComputePrecision::kBFloat16: return at::kBFloat16;
    case ComputePrecision::kFloat16: return at::kHalf;
  }
  return at::kFloat;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

}  // namespace

std::string to_string(VggArch arch) { return arch == VggArch::kVgg19 ? "vgg19" : "vgg16"; }

VggArch parse_arch(const std::string& name) {
  if (name == "vgg19") return VggArch::kVgg19;
  if (name == "vgg16") return VggArch::kVgg16;
  fail(ErrorKind::kUsage, "unknown model '" + name + "' (expected vgg19 or vgg16)");
}

ComputePrecision parse_compute_precision(const std::string& name) {
  if (name == "float32" || name == "fp32" || name == "float") return ComputePrecision::kFloat32;
  if (name == "bfloat16" || name == "bf16") return ComputePrecision::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return ComputePrecision::kFloat16;
  fail(ErrorKind::kUsage, "unknown precision '" + name + "' (expected float32, bfloat16 or float16)");
}

std::string to_string(ComputePrecision precision) {
  switch (precision) {
    case ComputePrecision::kFloat32: return "float32";
    case ComputePrecision::kBFloat16: return "bfloat16";
    case ComputePrecision::kFloat16: return "float16";
  }
  return "?";
}

void check_precision_supported(ComputePrecision precision, const std::string& device) {
  NST_CHECK(!(precision == ComputePrecision::kFloat16 && device.rfind("cuda", 0) != 0), kUsage,
            "float16 needs a CUDA device (libtorch has no float16 convolution on the CPU); use bfloat16");
}

Padding parse_padding(const std::string& name) {
  if (name == "zeros") return Padding::kZeros;
  if (name == "reflect") return Padding::kReflect;
  if (name == "circular") return Padding::kCircular;
  fail(ErrorKind::kUsage, "unknown padding '" + name + "' (expected zeros, reflect or circular)");
}

std::string to_string(Padding padding) {
  switch (padding) {
    case Padding::kZeros: return "zeros";
    case Padding::kReflect: return "reflect";
    case Padding::kCircular: return "circular";
  }
  return "?";
}

std::string to_string(Pooling pooling) { return pooling == Pooling::kMax ? "max" : "avg"; }

Pooling parse_pooling(const std::string& name) {
  if (name == "max") return Pooling::kMax;
  if (name == "avg") return Pooling::kAvg;
  fail(ErrorKind::kUsage, "unknown pooling '" + name + "' (expected max or avg)");
}

std::vector<std::string> layer_names(VggArch arch) {
  std::vector<std::string> names;
  auto blocks = convs_per_block(arch);
  for (size_t b = 0; b < blocks.size(); ++b) {
    for (int c = 1; c <= blocks[b]; ++c) {
      const std::string suffix = std::to_string(b + 1) + "_" + std::to_string(c);
      names.push_back("conv" + suffix);
      names.push_back("relu" + suffix);
    }
    names.push_back("pool" + std::to_string(b + 1));
  }
  return names;
}

std::vector<std::string> conv_layer_names(VggArch arch) {
  std::vector<std::string> names;
  for (const auto& n : layer_names(arch)) {
    if (n.rfind("conv", 0) == 0) names.push_back(n);
  }
  return names;
}

void check_layer_names(VggArch arch, const std::vector<std::string>& names) {
  const auto valid = layer_names(arch);
  for (const auto& n : names) {
    if (std::find(valid.begin(), valid.end(), n) == valid.end()) {
      fail(ErrorKind::kUsage, "unknown layer '" + n + "' for " + to_string(arch) + " (valid: " + join(valid) + ")");
    }
  }
}

int min_image_side(const std::string& layer, Padding padding) {
  const size_t digit = layer.find_first_of("0123456789");  // conv5_1, relu5_1, pool5
  const int block = digit == std::string::npos ? 1 : std::clamp(layer[digit] - '0', 1, 5);
  return 1 << (padding == Padding::kReflect ? block : block - 1);
}

void validate_weights(const VggWeights& w) {
  const auto convs = conv_layer_names(w.arch);
  NST_CHECK(w.weights.size() == convs.size() && w.biases.size() == convs.size(), kModel,
            to_string(w.arch) + " needs " + std::to_string(convs.size()) + " conv layers, weights have " +
                std::to_string(w.weights.size()));
  int64_t in_channels = 3;
  for (size_t i = 0; i < convs.size(); ++i) {
    const at::Tensor& k = w.weights[i];
    const at::Tensor& b = w.biases[i];
    const bool ok = k.defined() && k.dim() == 4 && k.size(1) == in_channels && k.size(2) == 3 && k.size(3) == 3 &&
                    b.defined() && b.dim() == 1 && b.size(0) == k.size(0);
    if (!ok) {
      fail(ErrorKind::kModel, "weights of " + convs[i] + " have shape " +
                                  (k.defined() ? std::string(c10::str(k.sizes())) : "none") + " / bias " +
                                  (b.defined() ? std::string(c10::str(b.sizes())) : "none") + ", expected [*, " +
                                  std::to_string(in_channels) + ", 3, 3] / [out]");
    }
    in_channels = k.size(0);
  }
}

FeatureNet::FeatureNet(VggWeights weights, Pooling pooling, std::vector<std::string> requested_layers)
    : weights_(std::move(weights)), pooling_(pooling), requested_(std::move(requested_layers)) {
  validate_weights(weights_);
  NST_CHECK(!requested_.empty(), kUsage, "no layers requested from the network");
  check_layer_names(weights_.arch, requested_);
  const auto all = layer_names(weights_.arch);
  size_t deepest = 0;
  for (const auto& n : requested_) {
    deepest = std::max(deepest, size_t(std::find(all.begin(), all.end(), n) - all.begin()));
  }
  plan_.assign(all.begin(), all.begin() + deepest + 1);
  for (auto& t : weights_.weights) t = t.detach().contiguous();
  for (auto& t : weights_.biases) t = t.detach().contiguous();
}

void FeatureNet::to(const at::Device& device) {
  for (auto& t : weights_.weights) t = t.to(device);
  for (auto& t : weights_.biases) t = t.to(device);
  set_precision(precision_);  // the compute copies follow
}

void FeatureNet::set_precision(ComputePrecision precision) {
  check_precision_supported(precision, weights_.weights.empty() ? "cpu" : weights_.weights[0].device().str());
  precision_ = precision;
  compute_weights_.clear();
  compute_biases_.clear();
  if (precision == ComputePrecision::kFloat32) return;
  for (const auto& t : weights_.weights) compute_weights_.push_back(t.to(scalar_type(precision)));
  for (const auto& t : weights_.biases) compute_biases_.push_back(t.to(scalar_type(precision)));
}

std::map<std::string, at::Tensor> FeatureNet::forward(const at::Tensor& image) const {
  const std::set<std::string> wanted(requested_.begin(), requested_.end());
  std::map<std::string, at::Tensor> out;
  const bool reduced = precision_ != ComputePrecision::kFloat32;
  const auto& kernels = reduced ? compute_weights_ : weights_.weights;
  const auto& biases = reduced ? compute_biases_ : weights_.biases;
  // Features leave the network as float32, so losses and Gram matrices keep their precision.
  auto hand_out = [&](const std::string& name, const at::Tensor& t) { out[name] = reduced ? t.to(at::kFloat) : t; };
  at::Tensor x = preprocess(image, weights_.preprocess);
  if (reduced) x = x.to(scalar_type(precision_));
  size_t conv_index = 0;
  for (const auto& name : plan_) {
    if (name[0] == 'c') {
      const at::Tensor& k = kernels[conv_index];
      const at::Tensor& b = biases[conv_index];
      ++conv_index;
      if (weights_.padding == Padding::kReflect) {
        x = at::conv2d(reduced ? reflect_pad1(x) : at::reflection_pad2d(x, {1, 1, 1, 1}), k, b);
      } else if (weights_.padding == Padding::kCircular) {
        x = at::conv2d(circular_pad1(x), k, b);
      } else {
        x = at::conv2d(x, k, b, /*stride=*/1, /*padding=*/1);
      }
      if (wanted.count(name)) hand_out(name, x);
    } else if (name[0] == 'r') {
      // In place unless the conv output was handed out (it would be modified under the caller).
      const std::string conv_name = "conv" + name.substr(4);
      x = wanted.count(conv_name) ? at::relu(x) : at::relu_(x);
      if (wanted.count(name)) hand_out(name, x);
    } else {
      x = pooling_ == Pooling::kMax ? at::max_pool2d(x, {2, 2}, {2, 2}) : at::avg_pool2d(x, {2, 2}, {2, 2});
      if (wanted.count(name)) hand_out(name, x);
    }
  }
  return out;
}

double FeatureNet::forward_macs(int height, int width) const {
  double macs = 0;
  double h = height, w = width;
  size_t conv_index = 0;
  for (const auto& name : plan_) {
    if (name[0] == 'c') {
      const at::Tensor& k = weights_.weights[conv_index++];
      macs += h * w * double(k.size(0)) * double(k.size(1)) * 9.0;
    } else if (name[0] == 'p') {
      h = std::floor(h / 2);
      w = std::floor(w / 2);
    }
  }
  return macs;
}

}  // namespace nst
