#pragma once
// Input conventions of the VGG weight files. nst optimizes RGB pixels in [0,1]; the network's
// first step maps them into the convention its weights were trained with.
#include <ATen/core/Tensor.h>

#include <string>

namespace nst {

/// kCaffe: BGR, 0..255, minus (103.939, 116.779, 123.68).
/// kTorchvision: RGB in [0,1], minus (0.485, 0.456, 0.406), divided by (0.229, 0.224, 0.225).
enum class Preprocess { kCaffe, kTorchvision };

/// "caffe" | "torchvision"; throws nst::Error(kUsage) otherwise.
Preprocess parse_preprocess(const std::string& name);
std::string to_string(Preprocess preprocess);

/// RGB [0,1] (1x3xHxW) -> network input. Differentiable.
at::Tensor preprocess(const at::Tensor& rgb01, Preprocess convention);
/// Network input -> RGB [0,1]; the exact inverse of preprocess().
at::Tensor deprocess(const at::Tensor& input, Preprocess convention);

}  // namespace nst
