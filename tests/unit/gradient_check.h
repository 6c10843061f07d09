#pragma once
// Finite-difference helpers the loss and loss-term tests share (float64).
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>

namespace nst::test {

/// Max relative error between autograd and central differences at `samples` random coordinates
/// of x (converted to float64 and copied, so the caller's tensor is never touched).
inline double gradient_error(const std::function<at::Tensor(const at::Tensor&)>& f, at::Tensor x, int samples = 40,
                             double h = 1e-6) {
  x = x.to(at::kDouble).detach().clone().requires_grad_(true);
  const at::Tensor analytic = torch::autograd::grad({f(x)}, {x})[0];
  at::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(7);
  at::Tensor flat = x.view(-1);
  double worst = 0;
  for (int s = 0; s < samples; ++s) {
    const int64_t i = at::randint(flat.numel(), {1}, gen).item<int64_t>();
    const double original = flat[i].item<double>();
    flat[i] = original + h;
    const double up = f(x).item<double>();
    flat[i] = original - h;
    const double down = f(x).item<double>();
    flat[i] = original;
    const double numeric = (up - down) / (2 * h);
    const double a = analytic.view(-1)[i].item<double>();
    worst = std::max(worst, std::abs(a - numeric) / std::max(1e-6, std::abs(a) + std::abs(numeric)));
  }
  return worst;
}

/// Uniform [0,1) float64 values from a seeded generator.
inline at::Tensor random(at::IntArrayRef shape, uint64_t seed) {
  return at::rand(shape, at::detail::createCPUGenerator(seed), at::kDouble);
}

}  // namespace nst::test
