#include "pipelines/style_blend.h"

#include <cmath>
#include <string>

#include "nst/error.h"

namespace nst::detail {

std::vector<double> style_blend_shares(const std::vector<double>& blend, size_t style_count) {
  std::vector<double> shares = blend;
  if (shares.empty()) shares.assign(style_count, 1.0);
  NST_CHECK(shares.size() == style_count, kUsage,
            "--style-blend has " + std::to_string(shares.size()) + " weights for " + std::to_string(style_count) +
                " style images");
  double sum = 0;
  for (double b : shares) {
    NST_CHECK(std::isfinite(b) && b >= 0, kUsage, "style blend weights must be finite and >= 0");
    sum += b;
  }
  NST_CHECK(sum > 0 || style_count == 0, kUsage, "style blend weights sum to zero");
  for (double& b : shares) b /= sum;
  return shares;
}

}  // namespace nst::detail
