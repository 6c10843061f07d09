#include <algorithm>
#include <cmath>

#include "nst/error.h"
#include "nst/run.h"

namespace nst {

BoundsMethod parse_bounds_method(const std::string& name) {
  if (name == "clamp") return BoundsMethod::kClamp;
  if (name == "box" || name == "lbfgsb") return BoundsMethod::kBox;
  if (name == "penalty") return BoundsMethod::kPenalty;
  if (name == "polish") return BoundsMethod::kPolish;
  fail(ErrorKind::kUsage, "--bounds must be clamp, box, penalty or polish, got '" + name + "'");
}

std::string to_string(BoundsMethod method) {
  switch (method) {
    case BoundsMethod::kClamp: return "clamp";
    case BoundsMethod::kBox: return "box";
    case BoundsMethod::kPenalty: return "penalty";
    case BoundsMethod::kPolish: return "polish";
  }
  return "?";
}

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::kIterations: return "iterations done";
    case StopReason::kConverged: return "converged";
    case StopReason::kOptimizerFailed: return "optimizer could not make progress";
    case StopReason::kAborted: return "stopped by request";
  }
  return "?";
}

void check_run_options(const RunOptions& o) {
  NST_CHECK(o.iterations >= 0 && o.iterations <= 10'000'000, kUsage, "--iterations must be between 0 and 1e7");
  NST_CHECK(o.scales >= 1 && o.scales <= 12, kUsage, "--scales must be between 1 and 12");
  NST_CHECK(std::isfinite(o.scale_factor) && o.scale_factor > 1.0 && o.scale_factor <= 4.0, kUsage,
            "--scale-factor must be in (1, 4]");
  NST_CHECK(o.coarse_iterations >= -1 && o.coarse_iterations <= 10'000'000, kUsage,
            "--coarse-iterations must be -1 (same as --iterations) or between 0 and 1e7");
}

std::pair<int, int> scale_size(int height, int width, int scale, const RunOptions& options) {
  const double factor = std::pow(options.scale_factor, -(options.scales - 1 - scale));
  auto scaled = [&](int n) { return std::max(1, static_cast<int>(std::lround(n * factor))); };
  return {scaled(height), scaled(width)};
}

int scale_iterations(const RunOptions& options, int scale) {
  if (scale + 1 == options.scales || options.coarse_iterations < 0) return options.iterations;
  return options.coarse_iterations;
}

int total_iterations(const RunOptions& options) {
  int total = 0;
  for (int s = 0; s < options.scales; ++s) total += scale_iterations(options, s);
  return total;
}

}  // namespace nst
