#include "nst/preprocess.h"

#include <ATen/ATen.h>

#include "nst/error.h"

namespace nst {
namespace {

// Per-channel affine map x_net = (x_rgb01[perm] * scale - mean) / std, stored as RGB-ordered constants.
struct Affine {
  at::Tensor scale;  // applied to RGB [0,1]
  at::Tensor shift;  // subtracted after scaling
  bool flip_to_bgr;
};

Affine affine_for(Preprocess convention, const at::Tensor& like) {
  auto options = like.options().requires_grad(false);
  if (convention == Preprocess::kCaffe) {
    // Channel order of the output is BGR; constants given in output order.
    return {at::full({1, 3, 1, 1}, 255.0, options), at::tensor({103.939, 116.779, 123.68}, options).view({1, 3, 1, 1}),
            true};
  }
  at::Tensor std = at::tensor({0.229, 0.224, 0.225}, options).view({1, 3, 1, 1});
  at::Tensor mean = at::tensor({0.485, 0.456, 0.406}, options).view({1, 3, 1, 1});
  return {1.0 / std, mean / std, false};
}

}  // namespace

Preprocess parse_preprocess(const std::string& name) {
  if (name == "caffe") return Preprocess::kCaffe;
  if (name == "torchvision") return Preprocess::kTorchvision;
  fail(ErrorKind::kUsage, "unknown preprocessing '" + name + "' (expected caffe or torchvision)");
}

std::string to_string(Preprocess preprocess) { return preprocess == Preprocess::kCaffe ? "caffe" : "torchvision"; }

at::Tensor preprocess(const at::Tensor& rgb01, Preprocess convention) {
  Affine a = affine_for(convention, rgb01);
  at::Tensor x = a.flip_to_bgr ? rgb01.flip({1}) : rgb01;
  return x * a.scale - a.shift;
}

at::Tensor deprocess(const at::Tensor& input, Preprocess convention) {
  Affine a = affine_for(convention, input);
  at::Tensor x = (input + a.shift) / a.scale;
  return a.flip_to_bgr ? x.flip({1}) : x;
}

}  // namespace nst
