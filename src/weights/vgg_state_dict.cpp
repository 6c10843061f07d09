// Maps named tensors onto VGG conv layers. Key layouts users have:
//   torchvision / Caffe-converted .pth: features.<index>.weight / .bias
//   Gatys' normalised VGG and nst's own cache: conv1_1.weight / conv1_1.bias
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdlib>

#include "nst/error.h"
#include "nst/weights.h"

namespace nst {
namespace {

const at::Tensor* find(const StateDict& tensors, const std::string& key) {
  for (const auto& [k, t] : tensors) {
    if (k == key) return &t;
  }
  return nullptr;
}

}  // namespace

VggWeights vgg_from_state_dict(const StateDict& tensors, Preprocess preprocess) {
  VggWeights w;
  w.preprocess = preprocess;
  if (find(tensors, "conv1_1.weight")) {
    // Named layout: try the longer architecture first.
    for (VggArch arch : {VggArch::kVgg19, VggArch::kVgg16}) {
      const auto convs = conv_layer_names(arch);
      if (!find(tensors, convs.back() + ".weight")) continue;
      w.arch = arch;
      for (const auto& name : convs) {
        const at::Tensor* k = find(tensors, name + ".weight");
        const at::Tensor* b = find(tensors, name + ".bias");
        NST_CHECK(k && b, kModel, "weights file lacks " + name + (k ? ".bias" : ".weight"));
        w.weights.push_back(*k);
        w.biases.push_back(*b);
      }
      validate_weights(w);
      return w;
    }
    fail(ErrorKind::kModel, "weights have conv1_1 but neither conv5_4 (vgg19) nor conv5_3 (vgg16)");
  }
  // features.N layout: conv layers are the 4-D weights, in index order.
  std::vector<std::pair<long, const at::Tensor*>> kernels;
  for (const auto& [k, t] : tensors) {
    if (k.rfind("features.", 0) != 0 || k.size() < 17 || k.compare(k.size() - 7, 7, ".weight") != 0) continue;
    const std::string index = k.substr(9, k.size() - 16);
    char* end = nullptr;
    const long n = std::strtol(index.c_str(), &end, 10);
    if (index.empty() || *end != '\0') continue;
    kernels.emplace_back(n, &t);
  }
  std::sort(kernels.begin(), kernels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (kernels.size() == 16) {
    w.arch = VggArch::kVgg19;
  } else if (kernels.size() == 13) {
    w.arch = VggArch::kVgg16;
  } else {
    fail(ErrorKind::kModel, "weights have " + std::to_string(kernels.size()) +
                                " conv layers (features.N.weight); expected 16 (vgg19) or 13 (vgg16)");
  }
  for (const auto& [index, kernel] : kernels) {
    const std::string bias_key = "features." + std::to_string(index) + ".bias";
    const at::Tensor* b = find(tensors, bias_key);
    NST_CHECK(b, kModel, "weights file lacks " + bias_key);
    w.weights.push_back(*kernel);
    w.biases.push_back(*b);
  }
  validate_weights(w);
  return w;
}

StateDict state_dict_from_vgg(const VggWeights& weights) {
  StateDict out;
  const auto convs = conv_layer_names(weights.arch);
  for (size_t i = 0; i < convs.size() && i < weights.weights.size(); ++i) {
    out.emplace_back(convs[i] + ".weight", weights.weights[i]);
    out.emplace_back(convs[i] + ".bias", weights.biases[i]);
  }
  return out;
}

}  // namespace nst
