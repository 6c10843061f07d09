#include "pipelines/stall_detector.h"

#include <cmath>

#include "nst/error.h"

namespace nst::detail {

StallDetector::StallDetector(int window, double tolerance) : window_(window), tolerance_(tolerance) {
  NST_CHECK(window >= 1, kUsage, "--stall-window must be >= 1");
  NST_CHECK(std::isfinite(tolerance) && tolerance >= 0, kUsage, "--stall-tol must be a finite number >= 0");
}

bool StallDetector::update(double loss, bool optimizer_ok) {
  if (!optimizer_ok || !std::isfinite(loss)) {
    clear();
    return true;
  }
  losses_.push_back(loss);
  if (static_cast<int>(losses_.size()) > window_ + 1) losses_.pop_front();
  if (static_cast<int>(losses_.size()) <= window_) return false;  // not K iterations of history yet
  const double oldest = losses_.front();
  const bool stalled = oldest - loss < tolerance_ * std::abs(oldest);
  if (stalled) clear();
  return stalled;
}

}  // namespace nst::detail
