#include "models/seeded_normal.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace nst::detail {
namespace {

// One Box-Muller pair; both samples rounded from double to float, as next() always did.
inline void box_muller(double u1, double u2, float& first, float& second) {
  const double r = std::sqrt(-2.0 * std::log(u1));
  second = static_cast<float>(r * std::sin(2 * M_PI * u2));
  first = static_cast<float>(r * std::cos(2 * M_PI * u2));
}

}  // namespace

double SeededNormal::nonzero_uniform() {
  double u1 = 0;
  do u1 = uniform(); while (u1 <= 1e-300);
  return u1;
}

float SeededNormal::next() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = nonzero_uniform();
  const double u2 = uniform();
  float first = 0;
  box_muller(u1, u2, first, spare_);
  has_spare_ = true;
  return first;
}

at::Tensor SeededNormal::tensor(at::IntArrayRef shape) {
  at::Tensor t = at::empty(shape, at::kFloat);
  float* p = t.data_ptr<float>();
  const int64_t n = t.numel();
  int64_t i = 0;
  if (n > 0 && has_spare_) {  // the previous tensor's last pair left its sine
    p[i++] = spare_;
    has_spare_ = false;
  }
  // Chunks bound the uniforms' buffer (16 MiB); within one, pair k fills p[i + 2k], p[i + 2k + 1].
  constexpr int64_t kChunkPairs = 1 << 20;
  std::vector<double> u;
  while (i < n) {
    const int64_t pairs = std::min<int64_t>((n - i + 1) / 2, kChunkPairs);
    u.resize(2 * pairs);
    for (int64_t k = 0; k < pairs; ++k) {  // the engine's order: u1 (redrawn while 0), u2
      u[2 * k] = nonzero_uniform();
      u[2 * k + 1] = uniform();
    }
    const bool odd_end = i + 2 * pairs > n;  // the last pair's sine is left over: the spare
    at::parallel_for(0, pairs, 4096, [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        float first = 0, second = 0;
        box_muller(u[2 * k], u[2 * k + 1], first, second);
        p[i + 2 * k] = first;
        if (odd_end && k == pairs - 1) {
          spare_ = second;
        } else {
          p[i + 2 * k + 1] = second;
        }
      }
    });
    has_spare_ = odd_end;
    i += 2 * pairs;
  }
  return t;
}

}  // namespace nst::detail
