#pragma once
// Test problems the optimizer tests share.
#include <ATen/ATen.h>

#include <cstdint>

namespace nst::test {

/// Extended Rosenbrock: sum over pairs (u, v) of 100 (v - u^2)^2 + (1 - u)^2, minimum at all ones.
/// Writes the gradient into g (same shape and dtype as x; float32 in the tests, as images are).
inline double rosenbrock(const at::Tensor& x, at::Tensor& g) {
  const int64_t n = x.size(0);
  const at::Tensor u = x.slice(0, 0, n, 2), v = x.slice(0, 1, n, 2);
  const at::Tensor r = v - u * u, w = 1 - u;
  g.slice(0, 0, n, 2).copy_(-400 * u * r - 2 * w);
  g.slice(0, 1, n, 2).copy_(200 * r);
  return (100 * r * r + w * w).sum().item<double>();
}

}  // namespace nst::test
