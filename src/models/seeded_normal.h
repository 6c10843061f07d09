#pragma once
// Gaussian samples from mt19937_64 via Box-Muller, for the embedded network's filters: unlike
// std::normal_distribution and at::randn, the sequence is the same on every compiler and
// libtorch version, so the network (and every default result) is too.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <random>

namespace nst::detail {

class SeededNormal {
 public:
  explicit SeededNormal(uint64_t seed) : engine_(seed) {}
  /// The next sample: the cosine of a fresh Box-Muller pair, then its sine (the spare).
  float next();
  /// The next shape.numel() samples, in order, as next() would give them one by one. The
  /// uniforms are drawn serially (cheap); the logs and sines, ~20M for VGG19, in parallel.
  at::Tensor tensor(at::IntArrayRef shape);

 private:
  double uniform() { return double(engine_() >> 11) * (1.0 / 9007199254740992.0); }
  double nonzero_uniform();  // u1 of a pair: log(u1) must be finite
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  float spare_ = 0;
};

}  // namespace nst::detail
