// Warping by a flow, the flow's reliability mask and the warping error: plain tensor code, so
// that it runs on the image's device and OpenCV stays in optical_flow.cpp.
#include <ATen/ATen.h>

#include "nst/error.h"
#include "nst/video.h"
#include "pipelines/gaussian_blur.h"

namespace nst {
namespace {

void check_flow(const at::Tensor& flow, int64_t height, int64_t width, const char* what) {
  NST_CHECK(flow.defined() && flow.dim() == 4 && flow.size(0) == 1 && flow.size(1) == 2 && flow.size(2) == height &&
                flow.size(3) == width,
            kUsage,
            std::string(what) + " must be a 1x2x" + std::to_string(height) + "x" + std::to_string(width) + " flow");
}

// Sampling positions p + flow(p) in grid_sample's [-1, 1] coordinates (align_corners: -1 and 1
// are the centres of the first and last pixels).
at::Tensor sample_grid(const at::Tensor& flow) {
  const int64_t h = flow.size(2), w = flow.size(3);
  const auto opts = flow.options();
  at::Tensor xs = at::arange(w, opts).view({1, 1, w}).expand({1, h, w});
  at::Tensor ys = at::arange(h, opts).view({1, h, 1}).expand({1, h, w});
  at::Tensor x = (xs + flow.select(1, 0)) * (w > 1 ? 2.0 / (w - 1) : 0.0) - 1.0;
  at::Tensor y = (ys + flow.select(1, 1)) * (h > 1 ? 2.0 / (h - 1) : 0.0) - 1.0;
  return at::stack({x, y}, 3);  // 1xHxWx2
}

}  // namespace

at::Tensor warp(const at::Tensor& image, const at::Tensor& flow) {
  NST_CHECK(image.defined() && image.dim() == 4 && image.size(0) == 1, kUsage, "warp expects a 1xCxHxW image");
  check_flow(flow, image.size(2), image.size(3), "the warp's flow");
  const at::Tensor f = flow.to(image.device(), image.scalar_type());
  return at::grid_sampler(image, sample_grid(f), /*interpolation_mode=*/0, /*padding_mode=border*/ 1,
                          /*align_corners=*/true);
}

at::Tensor reliability_mask(const at::Tensor& backward, const at::Tensor& forward, double sigma) {
  NST_CHECK(backward.defined() && backward.dim() == 4, kUsage, "reliability_mask expects 1x2xHxW flows");
  const int64_t h = backward.size(2), w = backward.size(3);
  check_flow(backward, h, w, "the backward flow");
  check_flow(forward, h, w, "the forward flow");
  const at::Tensor b = backward.to(at::kFloat);
  // w' = forward(p + w): the forward flow brought to frame t; a consistent pair cancels.
  const at::Tensor f = warp(forward.to(b.device(), at::kFloat), b);
  const at::Tensor b2 = (b * b).sum(1, /*keepdim=*/true), f2 = (f * f).sum(1, /*keepdim=*/true);
  const at::Tensor sum = b + f;
  at::Tensor unreliable = (sum * sum).sum(1, true) >= 0.01 * (b2 + f2) + 0.5;
  // Motion boundaries: forward differences of both components (the last row/column repeats).
  const at::Tensor dx = at::constant_pad_nd(b.narrow(3, 1, w - 1) - b.narrow(3, 0, w - 1), {0, 1, 0, 0});
  const at::Tensor dy = at::constant_pad_nd(b.narrow(2, 1, h - 1) - b.narrow(2, 0, h - 1), {0, 0, 0, 1});
  const at::Tensor gradient2 = (dx * dx + dy * dy).sum(1, true);
  unreliable = unreliable | (gradient2 >= 0.01 * b2 + 0.002);
  // Pixels whose source lies outside frame t−1 have nothing to copy.
  const auto opts = b.options();
  const at::Tensor x = at::arange(w, opts).view({1, 1, 1, w}) + b.narrow(1, 0, 1);
  const at::Tensor y = at::arange(h, opts).view({1, 1, h, 1}) + b.narrow(1, 1, 1);
  unreliable = unreliable | (x < 0) | (x > w - 1) | (y < 0) | (y > h - 1);
  at::Tensor mask = (~unreliable).to(at::kFloat);
  return sigma > 0 ? detail::gaussian_blur(mask, sigma).clamp(0.0, 1.0) : mask;
}

double warping_error(const at::Tensor& current, const at::Tensor& previous, const at::Tensor& backward,
                     const at::Tensor& mask) {
  NST_CHECK(current.defined() && previous.defined() && current.sizes().equals(previous.sizes()), kUsage,
            "warping_error: frames of different sizes");
  const at::Tensor c = current.to(at::kCPU, at::kFloat);
  const at::Tensor warped = warp(previous.to(at::kCPU, at::kFloat), backward.to(at::kCPU));
  const at::Tensor m = mask.to(at::kCPU, at::kFloat);
  const double total = m.sum().item<double>();
  if (total <= 0) return 0.0;  // nothing reliable to compare
  const at::Tensor d = c - warped;
  return (m * (d * d).sum(1, /*keepdim=*/true)).sum().item<double>() / total;
}

}  // namespace nst
